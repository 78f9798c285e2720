import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileWat } from '../test-support/compile-fixture.js';
import { header, request, startFixture, until, upstream } from '../test-support/exchange-helpers.js';
import { loadFilterModule } from './filter-module.js';
import { FilterPlugin } from './filter-plugin.js';

const trap = () => request({ headers: [['x-fault', 'trap']] });
const servedBy = (r: { upstreamRequest?: { headers: [string, string][] } }) => header(r.upstreamRequest?.headers, 'x-faulty-vm');

describe('failure policies (faulty.c)', () => {
  let plugin: FilterPlugin;
  afterEach(() => plugin?.close());

  it('FAIL_CLOSED: a trap answers 503 and the failed VM keeps answering 503', async () => {
    plugin = (await startFixture('faulty', { failurePolicy: 'FAIL_CLOSED' })).plugin;
    expect(servedBy(await plugin.handle(request(), upstream()))).toBe('1');
    expect(plugin.memoryBytes()! % 65536).toBe(0);
    expect(plugin.memoryBytes()).toBeGreaterThan(0);
    const up = upstream();
    const failed = await plugin.handle(trap(), up);
    expect(failed.response.status).toBe(503);
    expect(failed.localReply?.details).toBe('wasm_fail_stream');
    expect(failed.failure).toEqual({ kind: 'trap', message: 'proxy_on_request_headers trapped: unreachable', policy: 'FAIL_CLOSED' });
    expect(up.calls).toHaveLength(0);
    const next = await plugin.handle(request(), up);
    expect(next.response.status).toBe(503);
    expect(next.failure).toBeUndefined();
    expect(up.calls).toHaveLength(0);
    expect(plugin.vmFailures()).toBe(1);
    expect(plugin.state()).toBe('failed');
    expect(plugin.memoryBytes()).toBeUndefined();
  });

  it('FAIL_OPEN: a trap passes the request through, and later requests skip the filter', async () => {
    plugin = (await startFixture('faulty', { failurePolicy: 'FAIL_OPEN' })).plugin;
    const up = upstream({ status: 200 });
    const failed = await plugin.handle(trap(), up);
    expect(failed.response.status).toBe(200);
    expect(failed.failure?.kind).toBe('trap');
    expect(failed.failure?.policy).toBe('FAIL_OPEN');
    expect(up.calls).toHaveLength(1);
    expect(header(up.calls[0]!.headers, 'x-fault')).toBe('trap');
    const next = await plugin.handle(request(), up);
    expect(next.response.status).toBe(200);
    expect(servedBy(next)).toBeUndefined(); // the filter no longer runs
    expect(up.calls).toHaveLength(2);
  });

  it('FAIL_OPEN: a trap in the response phase returns the upstream response as received', async () => {
    plugin = (await startFixture('faulty', { failurePolicy: 'FAIL_OPEN' })).plugin;
    const result = await plugin.handle(request({ headers: [['x-fault', 'response-trap']] }), upstream({ status: 418, headers: [['x-up', '1']] }));
    expect(result.response).toEqual({ status: 418, headers: [['x-up', '1']] });
    expect(result.failure?.message).toBe('proxy_on_response_headers trapped: unreachable');
  });

  it('FAIL_RELOAD: this request fails closed, the next one runs on a fresh VM', async () => {
    plugin = (await startFixture('faulty', { failurePolicy: 'FAIL_RELOAD' })).plugin;
    await plugin.handle(request(), upstream());
    expect(servedBy(await plugin.handle(request(), upstream()))).toBe('2');
    const failed = await plugin.handle(trap(), upstream());
    expect(failed.response.status).toBe(503);
    expect(failed.failure?.policy).toBe('FAIL_RELOAD');
    const next = await plugin.handle(request(), upstream());
    expect(next.response.status).toBe(200);
    expect(servedBy(next)).toBe('1'); // counter restarted: a new instance
    expect(plugin.vmFailures()).toBe(1);
    expect(plugin.state()).toBe('running');
  });

  it('stops a runaway loop at the budget and the process stays responsive', async () => {
    const server = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      plugin = (await startFixture('faulty', { failurePolicy: 'FAIL_RELOAD', callbackBudgetMs: 100 })).plugin;
      const started = performance.now();
      const failed = await plugin.handle(request({ headers: [['x-fault', 'loop']] }), upstream());
      const elapsed = performance.now() - started;
      expect(failed.response.status).toBe(503);
      expect(failed.failure).toEqual({
        kind: 'timeout',
        message: 'proxy_on_request_headers exceeded its time budget (stopped after 100 ms)',
        policy: 'FAIL_RELOAD',
      });
      expect(elapsed).toBeGreaterThanOrEqual(100);
      expect(elapsed).toBeLessThan(1000);
      // The event loop is free again: a real HTTP round trip works, and so does the filter (reloaded).
      const pong = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).then((r) => r.text());
      expect(pong).toBe('pong');
      expect(servedBy(await plugin.handle(request(), upstream()))).toBe('1');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('counts a trap in a tick as a VM failure and applies the policy to later requests', async () => {
    const wat = `(module (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
      (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1"))
      (func (export "malloc") (param i32) (result i32) (i32.const 1024))
      (func (export "proxy_on_configure") (param i32 i32) (result i32) (drop (call $tick (i32.const 5))) (i32.const 1))
      (func (export "proxy_on_tick") (param i32) unreachable))`;
    const lines: string[] = [];
    plugin = await FilterPlugin.start(await loadFilterModule(compileWat(wat)), { name: 'ticker', rootId: 'r', logger: (_l, m) => lines.push(m) });
    await until(() => plugin.vmFailures() === 1);
    expect(lines).toContain('plugin ticker: proxy_on_tick trapped: unreachable (failure policy FAIL_CLOSED)');
    expect((await plugin.handle(request(), upstream())).response.status).toBe(503);
  });

  it('a budget is per callback: a slow but finite filter under it still works', async () => {
    // Spins ~N iterations, far fewer than the budget allows.
    const wat = `(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1"))
      (func (export "malloc") (param i32) (result i32) (i32.const 1024))
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 3000000))))
        (i32.const 0)))`;
    plugin = await FilterPlugin.start(await loadFilterModule(compileWat(wat)), { name: 'slow', rootId: 'r', callbackBudgetMs: 2000 });
    const result = await plugin.handle(request(), upstream());
    expect(result.failure).toBeUndefined();
    expect(result.response.status).toBe(200);
  });
});
