// The Prometheus health source against Debian's real prometheus scraping real wasmfleet-proxy processes that
// serve traffic through the `faulty` example filter. increase() extrapolates to the window's edges, so counts
// are checked against a range: never below the truth, at most 50% above it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type TestPrometheus } from '../../../../testing/prometheus-server.js';
import { EXAMPLE_FILTERS, eventually, startEchoUpstream, startProxy, type ProxyNode, type ProxyProcess, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { LATENCY_BUCKETS_MS } from '../../../proxy/src/stats/envoy-stats.js';
import { HealthSourceError } from './health-source.js';
import { PrometheusHealthSource } from './prometheus-health-source.js';

const SLOT = 'wasmfleet.health.prom';
let dir: string;
let upstream: TestHttpServer;
let prometheus: TestPrometheus;
const proxies: ProxyProcess[] = [];
let nodes: ProxyNode[];
let beforePrometheus: Date;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wasmfleet-prom-health-'));
  // Every 10th request gets a local 500.
  const spec = { module: { path: path.join(EXAMPLE_FILTERS, 'faulty.wasm') }, rootId: 'faulty', config: { failureRate: 0.1 } };
  writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
  upstream = await startEchoUpstream();
  const start = (i: number) =>
    startProxy(['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--node-id', `prom-${i}`, '--slot', SLOT, '--default-config', `${SLOT}=${path.join(dir, 'spec.json')}`]);
  proxies.push(...(await Promise.all([start(0), start(1)])));
  nodes = proxies.map((p) => p.nodes[0]!);
  // Traffic before Prometheus knows the proxies: 9 requests per proxy, none failing.
  for (const n of nodes) expect(await traffic(n, 9)).toBe(0);
  beforePrometheus = new Date();
  prometheus = await startPrometheus(nodes.map((n) => `${n.admin}/stats/prometheus`));
});

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(proxies.map((p) => p.stop()));
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function traffic(node: ProxyNode, n: number): Promise<number> {
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${node.listen}/r/${i}`);
    await res.arrayBuffer();
    if (res.status >= 500) errors++;
  }
  return errors;
}

const scalar = async (promql: string) => Number((await prometheus.query(promql))[0]?.value[1] ?? 0);
const within = (value: number, truth: number) => {
  expect(value).toBeGreaterThanOrEqual(truth);
  expect(value).toBeLessThanOrEqual(Math.ceil(truth * 1.5));
};

describe('PrometheusHealthSource with a real Prometheus', () => {
  it('measures a window of real traffic summed over proxies, excluding what came before', { timeout: 40_000 }, async () => {
    const source = new PrometheusHealthSource({ url: prometheus.url });
    const requests = `envoy_wasmfleet_slot_requests{slot="${SLOT}"}`;

    // Before the window: the 9 requests per proxy sent before Prometheus started. Wait until it has them.
    await eventually(async () => ((await scalar(`sum(${requests})`)) === 18 ? true : undefined), 'the warm-up in Prometheus', 10_000);

    // Open the window, and wait for a scrape of each proxy inside it before sending traffic.
    const since = new Date();
    await eventually(async () => ((await scalar(`count(timestamp(${requests}) > ${since.getTime() / 1000})`)) === 2 ? true : undefined), 'a scrape after since', 10_000);

    // The window: 11 more requests per proxy (their 10th and 20th fail): 22 requests, 4 errors.
    let errors = 0;
    for (const n of nodes) errors += await traffic(n, 11);
    expect(errors).toBe(4);
    await eventually(
      async () => ((await scalar(`sum(${requests})`)) === 40 && (await scalar(`sum(envoy_wasmfleet_slot_responses_5xx{slot="${SLOT}"})`)) === 4 ? true : undefined),
      'the window traffic in Prometheus',
      10_000,
    );
    // increase() extrapolates the growth it saw to the whole window: with 1 s scrapes, a window of ≥ 8 s
    // keeps that within +33%.
    await new Promise((r) => setTimeout(r, Math.max(0, since.getTime() + 8_000 - Date.now())));
    const until = new Date();

    const sample = await source.sample({ slot: SLOT, version: 'default', since, until });
    within(sample.requests, 22);
    // The 5xx and local-reply series are born inside the window: plain increase() would lose their first value.
    within(sample.responses5xx, 4);
    within(sample.localReplies, 4);
    expect(sample.wasmFailures).toBe(0);
    expect(sample.nacks).toBe(0);
    expect(sample.latency?.bounds).toEqual(LATENCY_BUCKETS_MS);
    within(sample.latency!.counts.reduce((a, b) => a + b, 0), 22);

    // From before Prometheus knew the proxies: their earlier history is not counted as the window's (the
    // proxies' series were born before their first scrape, not inside the window).
    within((await source.sample({ slot: SLOT, version: 'default', since: beforePrometheus, until })).requests, 22);

    // Another version, and a label value trying to escape its string, match nothing and break nothing.
    expect(await source.sample({ slot: SLOT, version: 'v2', since, until })).toEqual({ requests: 0, responses5xx: 0, localReplies: 0, wasmFailures: 0, nacks: 0 });
    const hostile = await source.sample({ slot: `${SLOT}"} or vector(1000) or x{a="`, version: 'default\\"\n}', since, until });
    expect(hostile).toEqual({ requests: 0, responses5xx: 0, localReplies: 0, wasmFailures: 0, nacks: 0 });

    // Extra matchers narrow the query: a job that does not exist sees nothing.
    const narrowed = new PrometheusHealthSource({ url: prometheus.url, matchers: { job: 'no-such-job' } });
    expect((await narrowed.sample({ slot: SLOT, version: 'default', since, until })).requests).toBe(0);
    const oneTarget = new PrometheusHealthSource({ url: prometheus.url, matchers: { job: 'target-0' } });
    within((await oneTarget.sample({ slot: SLOT, version: 'default', since, until })).requests, 11);
  });

  it('rejects with a HealthSourceError when Prometheus cannot answer', async () => {
    const down = new PrometheusHealthSource({ url: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    const query = { slot: SLOT, version: 'default', since: new Date(Date.now() - 60_000), until: new Date() };
    await expect(down.sample(query)).rejects.toThrow(HealthSourceError);
    await expect(down.sample(query)).rejects.toThrow(/Prometheus at http:\/\/127\.0\.0\.1:1: unreachable/);
  });
});
