// Direct mode against real wasmfleet-proxy processes serving real traffic through the `faulty` example
// filter: the scraper's sums must match what the clients saw, across two proxies and a proxy restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../testing/free-port.js';
import { EXAMPLE_FILTERS, startEchoUpstream, startProxy, type ProxyNode, type ProxyProcess, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { LATENCY_BUCKETS_MS } from '../../../proxy/src/stats/envoy-stats.js';
import { DirectStatsScraper } from './direct-stats-scraper.js';

const SLOT = 'wasmfleet.health.faulty';
let dir: string;
let upstream: TestHttpServer;
const running: ProxyProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wasmfleet-direct-health-'));
  const spec = (config: object, failurePolicy = 'FAIL_CLOSED') => ({ module: { path: path.join(EXAMPLE_FILTERS, 'faulty.wasm') }, rootId: 'faulty', config, failurePolicy });
  // a: every 4th request gets a local 500.  b: the 10th request traps (fail-open, so the client sees 200).
  writeFileSync(path.join(dir, 'a.json'), JSON.stringify(spec({ failureRate: 0.25 })));
  writeFileSync(path.join(dir, 'b.json'), JSON.stringify(spec({ failureRate: 0.1, trap: true }, 'FAIL_OPEN')));
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function proxy(name: 'a' | 'b', adminPort = 0): Promise<{ process: ProxyProcess; node: ProxyNode }> {
  const p = await startProxy([
    '--upstream',
    upstream.url,
    '--listen',
    '0',
    '--admin-port',
    String(adminPort),
    '--node-id',
    `health-${name}`,
    '--slot',
    SLOT,
    '--default-config',
    `${SLOT}=${path.join(dir, `${name}.json`)}`,
  ]);
  running.push(p);
  return { process: p, node: p.nodes[0]! };
}

/** Sends n requests through the proxy, one after another; returns how many answered 5xx. */
async function traffic(node: ProxyNode, n: number): Promise<{ requests: number; errors: number }> {
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${node.listen}/item/${i}`);
    await res.arrayBuffer();
    if (res.status >= 500) errors++;
  }
  return { requests: n, errors };
}

describe('DirectStatsScraper with real proxies', () => {
  it('sums two proxies between since and until, and counts from zero after a proxy restarts', async () => {
    const adminA = await freePort();
    let a = await proxy('a', adminA);
    const b = await proxy('b');
    const statsUrls = [`${a.node.admin}/stats/prometheus`, `${b.node.admin}/stats/prometheus`];
    let t = Date.parse('2026-03-01T12:00:00Z');
    const at = (s: number) => new Date(Date.parse('2026-03-01T12:00:00Z') + s * 1000);
    const scraper = new DirectStatsScraper({ targets: () => statsUrls, now: () => new Date(t) });

    // Before the window: 2 requests through a, not to be counted.
    expect(await traffic(a.node, 2)).toEqual({ requests: 2, errors: 0 });
    expect((await scraper.scrapeNow()).results.every((r) => r.ok)).toBe(true);

    // The window: 10 more through a (its requests 3..12: 4, 8 and 12 fail), 10 through b (the 10th traps).
    const seenA = await traffic(a.node, 10);
    const seenB = await traffic(b.node, 10);
    expect(seenA.errors).toBe(3);
    expect(seenB.errors).toBe(0);
    t = at(10).getTime();
    await scraper.scrapeNow();

    const first = await scraper.sample({ slot: SLOT, version: 'default', since: at(0), until: at(10) });
    expect(first).toMatchObject({ requests: 20, responses5xx: 3, localReplies: 3, wasmFailures: 1, nacks: 0 });
    expect(first.latency?.bounds).toEqual(LATENCY_BUCKETS_MS);
    expect(first.latency?.counts.reduce((x, y) => x + y, 0)).toBe(20);
    expect(await scraper.sample({ slot: SLOT, version: 'v2', since: at(0), until: at(10) })).toMatchObject({ requests: 0, responses5xx: 0 });

    // a restarts on the same admin port: its counters start again from zero.
    await a.process.stop();
    a = await proxy('a', adminA);
    expect(a.node.admin).toBe(statsUrls[0]!.replace('/stats/prometheus', ''));
    const afterRestart = await traffic(a.node, 4); // its 4th request fails
    expect(afterRestart.errors).toBe(1);
    t = at(20).getTime();
    const report = await scraper.scrapeNow();
    expect(report.results.map((r) => [r.ok, r.failure])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);

    expect(await scraper.sample({ slot: SLOT, version: 'default', since: at(10), until: at(20) })).toMatchObject({
      requests: 4,
      responses5xx: 1,
      localReplies: 1,
      wasmFailures: 0,
    });
    const whole = await scraper.sample({ slot: SLOT, version: 'default', since: at(0), until: at(20) });
    expect(whole).toMatchObject({ requests: 24, responses5xx: 4, localReplies: 4, wasmFailures: 1, nacks: 0 });
    expect(whole.latency?.counts.reduce((x, y) => x + y, 0)).toBe(24);
    expect(scraper.stats().restarts).toBe(1);
  });

  it('counts a stopped proxy as a failed scrape and keeps what it had reported', async () => {
    const a = await proxy('a');
    const url = `${a.node.admin}/stats/prometheus`;
    let t = 0;
    const scraper = new DirectStatsScraper({ targets: () => [url], now: () => new Date(t), timeoutMs: 1_000 });
    await scraper.scrapeNow();
    await traffic(a.node, 5);
    t = 10_000;
    await scraper.scrapeNow();
    await a.process.stop();
    t = 20_000;
    const report = await scraper.scrapeNow();
    expect(report.results[0]).toMatchObject({ ok: false, failure: 'network' });
    expect((await scraper.sample({ slot: SLOT, version: 'default', since: new Date(0), until: new Date(20_000) })).requests).toBe(5);
  });
});
