// Checks the example proxy-wasm filters as built modules (no proxy-wasm host involved):
// they compile, declare their ABI, export an allocator and import only what a proxy-wasm host provides.
// beforeAll runs build.mjs, which is incremental (a no-op when dist/ is current).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const HERE = import.meta.dirname;
const DIST = path.join(HERE, 'dist');

interface FilterEntry {
  name: string;
  language: 'assemblyscript' | 'c';
  rootId: string;
  abi: string;
  entry: string;
}

const manifest: { filters: FilterEntry[] } = JSON.parse(fs.readFileSync(path.join(HERE, 'filters.json'), 'utf8'));

// Everything @solo-io/proxy-runtime 0.1.8 (AssemblyScript 0.14) links in for any filter.
const AS_COMMON = [
  'env.proxy_get_buffer_bytes',
  'env.proxy_get_property',
  'env.proxy_log',
  'env.proxy_set_effective_context',
  'wasi_unstable.proc_exit',
];

// The host contract: a proxy-wasm host must provide exactly these functions to instantiate each module.
const EXPECTED_IMPORTS: Record<string, string[]> = {
  'add-header': [...AS_COMMON, 'env.proxy_add_header_map_value'],
  'rate-limit': [...AS_COMMON, 'env.proxy_get_current_time_nanoseconds', 'env.proxy_send_local_response'],
  faulty: [...AS_COMMON, 'env.proxy_send_local_response'],
  'c-add-header': ['env.proxy_add_header_map_value', 'env.proxy_get_buffer_bytes', 'env.proxy_log'],
};

const REQUIRED_EXPORTS = [
  'memory',
  'proxy_on_context_create',
  'proxy_on_vm_start',
  'proxy_on_configure',
  'proxy_on_request_headers',
  'proxy_on_response_headers',
  'proxy_on_done',
  'proxy_on_log',
  'proxy_on_delete',
];

const ALLOWED_MODULES = new Set(['env', 'wasi_snapshot_preview1', 'wasi_unstable']);

beforeAll(() => {
  try {
    execFileSync(process.execPath, [path.join(HERE, 'build.mjs')], { cwd: HERE, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`examples/filters/build.mjs failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}, 300_000);

it('filters.json lists the four example filters with their root ids', () => {
  expect(manifest.filters.map((f) => [f.name, f.rootId, f.language, f.abi])).toEqual([
    ['add-header', 'add_header', 'assemblyscript', '0.2.0'],
    ['rate-limit', 'rate_limit', 'assemblyscript', '0.2.0'],
    ['faulty', 'faulty', 'assemblyscript', '0.2.0'],
    ['c-add-header', 'c_add_header', 'c', '0.2.1'],
  ]);
});

describe.each(manifest.filters)('$name', (filter) => {
  const wasmPath = path.join(DIST, `${filter.name}.wasm`);
  let bytes: Buffer;
  let module: WebAssembly.Module;

  beforeAll(async () => {
    bytes = fs.readFileSync(wasmPath);
    module = await WebAssembly.compile(bytes);
  });

  it('compiles with WebAssembly.compile', () => {
    expect(module).toBeInstanceOf(WebAssembly.Module);
  });

  it(`exports proxy_abi_version_${filter.abi.replaceAll('.', '_')} and no other ABI version`, () => {
    const abis = WebAssembly.Module.exports(module)
      .map((e) => e.name)
      .filter((n) => n.startsWith('proxy_abi_version_'));
    expect(abis).toEqual([`proxy_abi_version_${filter.abi.replaceAll('.', '_')}`]);
  });

  it('exports an allocator (malloc or proxy_on_memory_allocate)', () => {
    const fns = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    expect(fns.includes('malloc') || fns.includes('proxy_on_memory_allocate')).toBe(true);
  });

  it('exports memory and the proxy_on_* callbacks a host drives', () => {
    const names = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of REQUIRED_EXPORTS) expect(names, name).toContain(name);
  });

  it('imports only from env, wasi_snapshot_preview1 or wasi_unstable', () => {
    const modules = WebAssembly.Module.imports(module).map((i) => i.module);
    expect(modules.filter((m) => !ALLOWED_MODULES.has(m))).toEqual([]);
  });

  it('imports exactly the expected host functions', () => {
    const imports = WebAssembly.Module.imports(module);
    expect(imports.every((i) => i.kind === 'function')).toBe(true);
    expect(imports.map((i) => `${i.module}.${i.name}`).sort()).toEqual([...EXPECTED_IMPORTS[filter.name]].sort());
  });

  it('instantiates without calling the host (AssemblyScript start section / no C constructors)', async () => {
    const calls: string[] = [];
    const importObject: Record<string, Record<string, () => never>> = {};
    for (const i of WebAssembly.Module.imports(module)) {
      importObject[i.module] ??= {};
      importObject[i.module][i.name] = () => {
        calls.push(`${i.module}.${i.name}`);
        throw new Error(`unexpected host call ${i.module}.${i.name} during instantiation`);
      };
    }
    const instance = await WebAssembly.instantiate(module, importObject);
    expect(calls).toEqual([]);
    expect(instance.exports.memory).toBeInstanceOf(WebAssembly.Memory);
  });

  it('dist metadata matches the module', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(DIST, `${filter.name}.json`), 'utf8'));
    expect(meta).toMatchObject({
      name: filter.name,
      rootId: filter.rootId,
      abi: filter.abi,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect([...meta.imports].sort()).toEqual([...EXPECTED_IMPORTS[filter.name]].sort());
  });
});
