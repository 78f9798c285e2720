import { afterEach, describe, expect, it } from 'vitest';
import { header, request, startFixture, upstream } from '../test-support/exchange-helpers.js';
import { loadFilterModule } from './filter-module.js';
import { FilterPlugin } from './filter-plugin.js';
import { compileWat } from '../test-support/compile-fixture.js';

describe('WASI for filters', () => {
  let plugin: FilterPlugin;
  afterEach(() => plugin?.close());

  it('sends fd_write on stdout/stderr to the filter log, refuses other descriptors', async () => {
    plugin = (await startFixture('wasi')).plugin;
    const result = await plugin.handle(request(), upstream());
    expect(result.logs).toEqual([
      { level: 'info', message: 'hello from stdout' },
      { level: 'error', message: 'oops on stderr' },
    ]);
    expect(header(result.upstreamRequest?.headers, 'x-written')).toBe('18');
    expect(header(result.upstreamRequest?.headers, 'x-bad-fd')).toBe('8'); // EBADF
  });

  it('gives the wall clock (the injected one when set) and random bytes', async () => {
    plugin = (await startFixture('wasi', { nowNanos: () => 1_700_000_000_123_456_789n })).plugin;
    const result = await plugin.handle(request(), upstream());
    expect(header(result.upstreamRequest?.headers, 'x-clock')).toBe('1700000000123456789');
    expect(header(result.upstreamRequest?.headers, 'x-host-clock')).toBe('1700000000123456789');
    expect(Number(header(result.upstreamRequest?.headers, 'x-random-nonzero'))).toBeGreaterThan(8);
  });

  it('drops stdout below the configured log level', async () => {
    plugin = (await startFixture('wasi', { logLevel: 'warn' })).plugin;
    const result = await plugin.handle(request(), upstream());
    expect(result.logs).toEqual([{ level: 'error', message: 'oops on stderr' }]);
  });

  it('loads a WASI command (_start) and treats proc_exit(0) in it as a normal end', async () => {
    const wat = `(module
      (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
      (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 8) "started")
      (global $heap (mut i32) (i32.const 1024))
      (func (export "malloc") (param i32) (result i32) (global.get $heap))
      (func (export "proxy_abi_version_0_2_0"))
      (func (export "_start") (drop (call $log (i32.const 2) (i32.const 8) (i32.const 7))) (call $exit (i32.const 0))))`;
    const lines: string[] = [];
    plugin = await FilterPlugin.start(await loadFilterModule(compileWat(wat)), { name: 'cmd', rootId: 'cmd', logger: (_l, m) => lines.push(m) });
    expect(lines).toEqual(['started']);
    expect(plugin.state()).toBe('running');
  });
});
