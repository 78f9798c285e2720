// The AssemblyScript filters' own proxy_on_* glue (shared/assembly/exports.ts), driven callback by callback
// with a minimal host: every callback reaches the SDK's context method it reached through the SDK's own
// exports, and nothing is logged on a request's way through.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const DIST = path.join(import.meta.dirname, 'dist');
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical'];

beforeAll(() => {
  execFileSync(process.execPath, [path.join(import.meta.dirname, 'build.mjs')], { stdio: 'ignore' });
}, 300_000);

class ProcExit extends Error {}

/** add-header.wasm with a host that records logs and added headers, and answers plugin_root_id. */
function instantiate(rootId = 'add_header') {
  const logs: string[] = [];
  const added: string[] = [];
  let exports!: Record<string, (...args: number[]) => number>;
  const bytes = () => new Uint8Array((exports.memory as unknown as WebAssembly.Memory).buffer);
  const text = (ptr: number, len: number) => Buffer.from(bytes().subarray(ptr, ptr + len)).toString();
  const view = () => new DataView((exports.memory as unknown as WebAssembly.Memory).buffer);
  const env: Record<string, (...args: number[]) => number> = {
    proxy_log: (level, ptr, len) => (logs.push(`${LEVELS[level]} ${text(ptr, len)}`), 0),
    proxy_get_property: (_path, _len, ptrPtr, sizePtr) => {
      const ptr = exports.malloc!(rootId.length);
      bytes().set(Buffer.from(rootId), ptr);
      view().setUint32(ptrPtr, ptr, true);
      view().setUint32(sizePtr, rootId.length, true);
      return 0;
    },
    proxy_get_buffer_bytes: () => 1,
    proxy_set_effective_context: () => 0,
    proxy_add_header_map_value: (map, k, kl, v, vl) => (added.push(`${map} ${text(k, kl)}: ${text(v, vl)}`), 0),
  };
  const module = new WebAssembly.Module(readFileSync(path.join(DIST, 'add-header.wasm')));
  const instance = new WebAssembly.Instance(module, {
    env,
    wasi_unstable: {
      proc_exit: (code: number) => {
        throw new ProcExit(`proc_exit(${code})`);
      },
    },
  });
  exports = instance.exports as typeof exports;
  return { exports, logs, added };
}

describe('add-header glue', () => {
  it('creates the root context, configures it, and runs a stream without logging anything', () => {
    const { exports: e, logs, added } = instantiate();
    e.proxy_on_context_create!(1, 0);
    expect(e.proxy_on_vm_start!(1, 0)).toBe(1);
    expect(e.proxy_on_configure!(1, 0)).toBe(1);
    // Start-up still goes through the SDK's RootContext.onStart, debug line included.
    expect(logs).toEqual(['debug context id: 1: onStart(vm_configuration_size:0)', 'info add_header: adding response header x-wasmfleet: add-header']);
    logs.length = 0;

    e.proxy_on_context_create!(2, 1);
    expect(e.proxy_on_request_headers!(2, 4, 1)).toBe(0);
    expect(e.proxy_on_response_headers!(2, 3, 0)).toBe(0);
    expect(e.proxy_on_response_body!(2, 10, 1)).toBe(0);
    expect(e.proxy_on_done!(2)).toBe(1);
    e.proxy_on_log!(2);
    e.proxy_on_delete!(2);
    expect(added).toEqual(['2 x-wasmfleet: add-header']);
    expect(logs).toEqual([]);
  });

  it('routes root callbacks to the SDK RootContext (ticks, queues, HTTP call responses, done, delete)', () => {
    const { exports: e, logs } = instantiate();
    e.proxy_on_context_create!(1, 0);
    e.proxy_on_tick!(1);
    e.proxy_on_queue_ready!(1, 7);
    e.proxy_on_http_call_response!(1, 9, 0, 0, 0);
    expect(e.proxy_on_done!(1)).toBe(1);
    e.proxy_on_delete!(1);
    expect(logs).toContain('debug context id: 1: onTick()');
    expect(logs).toContain('debug context id: 1: onQueueReady(token:7)');
    expect(logs).toContain('error onHttpCallResponse: Token 9 not found.');
    expect(logs).toContain('debug context id: 1: onDone()');
    expect(logs).toContain('debug context id: 1: onDelete()');
  });

  it('aborts (critical log, proc_exit 255) for a context id never created, or a root id without a factory', () => {
    const known = instantiate();
    known.exports.proxy_on_context_create!(1, 0);
    expect(() => known.exports.proxy_on_request_headers!(5, 0, 1)).toThrow('proc_exit(255)');
    expect(known.logs.at(-1)).toMatch(/^critical .*Key does not exist/);

    const unknown = instantiate('no_such_root');
    expect(() => unknown.exports.proxy_on_context_create!(1, 0)).toThrow('proc_exit(255)');
    expect(unknown.logs.at(-1)).toMatch(/^critical Missing root context factory for root id: no_such_root/);
  });
});
