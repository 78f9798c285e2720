import { afterEach, describe, expect, it } from 'vitest';
import { header, request, startFixture, until, upstream } from '../test-support/exchange-helpers.js';
import { WasmResult } from './abi-constants.js';
import { SharedState } from './shared-state.js';
import type { FilterPlugin } from './filter-plugin.js';

describe('shared data, queues, metrics and ticks (state.c)', () => {
  const plugins: FilterPlugin[] = [];
  afterEach(async () => {
    await Promise.all(plugins.map((p) => p.close()));
    plugins.length = 0;
  });
  const start = async (opts: Parameters<typeof startFixture>[1] = {}) => {
    const started = await startFixture('state', opts);
    plugins.push(started.plugin);
    return started;
  };

  it('updates shared data with compare-and-swap and refuses a stale cas', async () => {
    const { plugin } = await start();
    const first = await plugin.handle(request(), upstream());
    const second = await plugin.handle(request(), upstream());
    expect(header(first.upstreamRequest?.headers, 'x-hits')).toBe('1');
    expect(header(second.upstreamRequest?.headers, 'x-hits')).toBe('2');
    expect(header(second.upstreamRequest?.headers, 'x-stale-cas')).toBe(String(WasmResult.CasMismatch));
  });

  it('shares data between plugins with the same vm_id only', async () => {
    const shared = new SharedState();
    const a = (await start({ vmId: 'same', sharedState: shared })).plugin;
    const b = (await start({ vmId: 'same', sharedState: shared })).plugin;
    const c = (await start({ vmId: 'other', sharedState: shared })).plugin;
    await a.handle(request(), upstream());
    const fromB = await b.handle(request(), upstream());
    const fromC = await c.handle(request(), upstream());
    expect(header(fromB.upstreamRequest?.headers, 'x-hits')).toBe('2');
    expect(header(fromC.upstreamRequest?.headers, 'x-hits')).toBe('1');
  });

  it('delivers enqueued items through proxy_on_queue_ready', async () => {
    const { plugin, lines } = await start();
    await plugin.handle(request(), upstream());
    await plugin.handle(request(), upstream());
    await until(() => lines.filter((l) => l.message.startsWith('dequeued')).length === 2);
    expect(lines.filter((l) => l.message.startsWith('dequeued')).map((l) => l.message)).toEqual(['dequeued job-1', 'dequeued job-2']);
  });

  it('keeps counters, gauges and histograms with Envoy semantics', async () => {
    const { plugin } = await start();
    await plugin.handle(request(), upstream());
    const second = await plugin.handle(request(), upstream());
    expect(header(second.upstreamRequest?.headers, 'x-requests')).toBe('2');
    expect(header(second.upstreamRequest?.headers, 'x-histogram-get')).toBe(String(WasmResult.BadArgument));
    expect(header(second.upstreamRequest?.headers, 'x-counter-decrement')).toBe(String(WasmResult.BadArgument));
    expect(plugin.metrics()).toEqual([
      { name: 'requests', type: 'counter', value: 2 },
      { name: 'last_hits', type: 'gauge', value: 2 },
      { name: 'body_size', type: 'histogram', value: 2, sum: 300n },
    ]);
  });

  it('calls proxy_on_tick at the period the filter set', async () => {
    const { lines } = await start();
    await until(() => lines.some((l) => l.message === 'tick 3'));
    expect(lines.filter((l) => l.message.startsWith('tick')).map((l) => l.message).slice(0, 3)).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });

  it('stops ticking when the plugin closes', async () => {
    const { plugin, lines } = await start();
    await until(() => lines.some((l) => l.message.startsWith('tick')));
    await plugin.close();
    const count = lines.filter((l) => l.message.startsWith('tick')).length;
    await new Promise((r) => setTimeout(r, 80));
    expect(lines.filter((l) => l.message.startsWith('tick')).length).toBe(count);
  });
});
