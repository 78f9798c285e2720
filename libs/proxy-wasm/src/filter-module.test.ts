import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileC, compileWat } from '../test-support/compile-fixture.js';
import { WasmFilterError } from './errors.js';
import { loadFilterModule } from './filter-module.js';
import { FilterPlugin } from './filter-plugin.js';

const ABI = '(func (export "proxy_abi_version_0_2_1"))';
const BASICS = '(memory (export "memory") 1) (func (export "malloc") (param i32) (result i32) (i32.const 1024))';

async function loadError(bytes: Uint8Array): Promise<WasmFilterError> {
  const err = await loadFilterModule(bytes).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WasmFilterError);
  return err as WasmFilterError;
}

describe('loadFilterModule', () => {
  it('describes a good module: ABI, digest, size, exports and imports', async () => {
    const bytes = compileC('headers');
    const mod = await loadFilterModule(bytes);
    expect(mod.abi).toBe('0.2.1');
    expect(mod.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(mod.size).toBe(bytes.length);
    expect(mod.exports).toContain('proxy_on_request_headers');
    expect(mod.imports).toContainEqual({ module: 'env', name: 'proxy_add_header_map_value' });
    expect(mod.imports.some((i) => i.module.startsWith('wasmfleet'))).toBe(false);
  });

  it('refuses bytes that are not Wasm, showing what it found', async () => {
    const err = await loadError(new TextEncoder().encode('hello world'));
    expect(err.kind).toBe('not-wasm');
    expect(err.message).toContain('expected the magic bytes 00 61 73 6d, found 68 65 6c 6c');
  });

  it('refuses a module that does not compile', async () => {
    const bytes = compileWat(`(module ${ABI})`).slice();
    const err = await loadError(bytes.subarray(0, bytes.length - 3));
    expect(err.kind).toBe('compile');
    expect(err.message).toContain('does not compile');
  });

  it('refuses a module without a proxy_abi_version export', async () => {
    const err = await loadError(compileWat(`(module ${BASICS})`));
    expect(err.kind).toBe('no-abi');
    expect(err.message).toContain('exports no proxy_abi_version_* function');
    expect(err.message).toContain('proxy_abi_version_0_2_1');
  });

  it('refuses an import the host does not provide, naming it', async () => {
    const err = await loadError(
      compileWat(`(module (import "env" "proxy_foo" (func (param i32))) (import "env" "proxy_log" (func (param i32 i32 i32) (result i32))) ${BASICS} ${ABI})`),
    );
    expect(err.kind).toBe('missing-import');
    expect(err.message).toContain('module imports env.proxy_foo, which this host does not provide');
  });

  it('refuses imports from unknown modules and non-function imports, listing them all', async () => {
    const err = await loadError(
      compileWat(`(module (import "env" "memory" (memory 1)) (import "go" "debug" (func)) (import "wasi_snapshot_preview1" "fd_nope" (func)) ${ABI})`),
    );
    expect(err.kind).toBe('missing-import');
    expect(err.message).toContain('module imports env.memory (a memory), which this host does not provide');
    expect(err.message).toContain('(and 2 more: go.debug, wasi_snapshot_preview1.fd_nope)');
  });

  it('accepts WASI under both module names', async () => {
    const mod = await loadFilterModule(
      compileWat(`(module (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32))) ${BASICS} ${ABI})`),
    );
    expect(mod.imports).toHaveLength(2);
  });

  it('warns about host functions Envoy links only for another ABI', async () => {
    const mod = await loadFilterModule(
      compileWat(`(module (import "env" "proxy_get_configuration" (func (param i32 i32) (result i32))) ${BASICS} ${ABI})`),
    );
    expect(mod.warnings).toEqual([
      'the module (ABI 0.2.1) imports env.proxy_get_configuration, which Envoy provides only to ABI 0.1.0 modules; Envoy would refuse to load it',
    ]);
    expect((await loadFilterModule(compileC('headers'))).warnings).toEqual([]);
  });

  it('picks the newest ABI when a module declares several', async () => {
    const mod = await loadFilterModule(compileWat(`(module ${BASICS} (func (export "proxy_abi_version_0_1_0")) (func (export "proxy_abi_version_0_2_0")))`));
    expect(mod.abi).toBe('0.2.0');
  });
});

describe('VM start-up failures', () => {
  it('reports a trap in on_vm_start', async () => {
    const mod = await loadFilterModule(compileC('faulty'));
    const err = await FilterPlugin.start(mod, { name: 'f', rootId: 'r', vmConfig: 'trap' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WasmFilterError);
    expect((err as WasmFilterError).kind).toBe('vm-start');
    expect((err as WasmFilterError).message).toMatch(/proxy_on_vm_start trapped: unreachable/);
  });

  it('reports on_vm_start returning false', async () => {
    const wat = `(module ${BASICS} ${ABI} (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 0)))`;
    const err = await FilterPlugin.start(await loadFilterModule(compileWat(wat)), { name: 'f', rootId: 'r' }).catch((e: unknown) => e);
    expect((err as WasmFilterError).kind).toBe('vm-start');
    expect((err as WasmFilterError).message).toContain('proxy_on_vm_start returned false');
  });

  it('reports a runaway _initialize as a timeout within the start budget', async () => {
    const wat = `(module ${BASICS} ${ABI} (func (export "_initialize") (loop $l (br $l))))`;
    const started = Date.now();
    const err = await FilterPlugin.start(await loadFilterModule(compileWat(wat)), { name: 'f', rootId: 'r', startBudgetMs: 100 }).catch((e: unknown) => e);
    expect((err as WasmFilterError).kind).toBe('vm-start');
    expect((err as WasmFilterError).message).toContain('_initialize exceeded its time budget');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('requires an exported memory and an allocator', async () => {
    const noMalloc = `(module (memory (export "memory") 1) ${ABI})`;
    const err = await FilterPlugin.start(await loadFilterModule(compileWat(noMalloc)), { name: 'f', rootId: 'r' }).catch((e: unknown) => e);
    expect((err as WasmFilterError).message).toContain('exports neither malloc nor proxy_on_memory_allocate');
    const noMemory = `(module (func (export "malloc") (param i32) (result i32) (i32.const 0)) ${ABI})`;
    const err2 = await FilterPlugin.start(await loadFilterModule(compileWat(noMemory)), { name: 'f', rootId: 'r' }).catch((e: unknown) => e);
    expect((err2 as WasmFilterError).message).toContain('exports no memory named "memory"');
  });

  it('accepts proxy_on_memory_allocate as the allocator', async () => {
    const wat = `(module (memory (export "memory") 1) ${ABI}
      (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 2048)))`;
    const plugin = await FilterPlugin.start(await loadFilterModule(compileWat(wat)), { name: 'f', rootId: 'r' });
    expect(plugin.state()).toBe('running');
    await plugin.close();
  });
});
