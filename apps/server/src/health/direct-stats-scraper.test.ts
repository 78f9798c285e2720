// The scraper against small local HTTP servers standing in for proxies: what it counts, what it refuses,
// and that a failing target never throws nor spoils the others. Real proxies: *.integration.test.ts.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectStatsScraper, type IntervalTimers } from './direct-stats-scraper.js';

interface StatsServer {
  url: string;
  hits: number;
  body: string;
  close(): Promise<void>;
}

const servers: StatsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function statsServer(handler?: (req: http.IncomingMessage, res: http.ServerResponse, self: StatsServer) => void): Promise<StatsServer> {
  const self: StatsServer = { url: '', hits: 0, body: '', close: async () => undefined };
  const server = http.createServer((req, res) => {
    self.hits++;
    if (handler) return handler(req, res, self);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(self.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/stats/prometheus`;
  self.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  servers.push(self);
  return self;
}

const stats = (requests: number, errors: number, opts: { slot?: string; version?: string; buckets?: [string, number][] } = {}) => {
  const l = `slot="${opts.slot ?? 's'}",version="${opts.version ?? 'v1'}"`;
  const buckets = opts.buckets ?? [
    ['1', requests],
    ['+Inf', requests],
  ];
  return [
    '# TYPE envoy_wasmfleet_slot_requests counter',
    `envoy_wasmfleet_slot_requests{${l}} ${requests}`,
    '# TYPE envoy_wasmfleet_slot_responses_5xx counter',
    `envoy_wasmfleet_slot_responses_5xx{${l}} ${errors}`,
    '# TYPE envoy_wasmfleet_slot_wasm_failures counter',
    `envoy_wasmfleet_slot_wasm_failures{${l},kind="trap"} 1`,
    `envoy_wasmfleet_slot_wasm_failures{${l},kind="fail_open"} 2`,
    '# TYPE envoy_wasmfleet_slot_request_time histogram',
    ...buckets.map(([le, n]) => `envoy_wasmfleet_slot_request_time_bucket{${l},le="${le}"} ${n}`),
    `envoy_wasmfleet_slot_request_time_count{${l}} ${requests}`,
    '# TYPE envoy_other counter',
    'envoy_other{this_is="skipped"} 1',
    '',
  ].join('\n');
};

/** A settable clock. */
const clock = (start = Date.parse('2026-01-01T00:00:00Z')) => {
  let t = start;
  return { now: () => new Date(t), at: (s: number) => new Date(start + s * 1000), set: (s: number) => (t = start + s * 1000) };
};

describe('DirectStatsScraper', () => {
  it('sums the growth of every proxy between the snapshots nearest since and until', async () => {
    const [a, b] = [await statsServer(), await statsServer()];
    const c = clock();
    const scraper = new DirectStatsScraper({ targets: () => [a.url, b.url, a.url], now: c.now });
    a.body = stats(10, 1);
    b.body = stats(5, 0);
    expect((await scraper.scrapeNow()).results.map((r) => r.ok)).toEqual([true, true]); // a listed twice, scraped once
    c.set(10);
    a.body = stats(30, 3);
    b.body = stats(25, 2, { buckets: [['1', 5], ['+Inf', 25]] });
    await scraper.scrapeNow();
    const sample = await scraper.sample({ slot: 's', version: 'v1', since: c.at(0), until: c.at(10) });
    expect(sample).toEqual({
      requests: 20 + 20,
      responses5xx: 2 + 2,
      localReplies: 0,
      wasmFailures: 0, // 1 + 2 at both scrapes: no growth
      nacks: 0,
      latency: { bounds: [1], counts: [20 + 0, 0 + 20] },
    });
    // Another version, and a window before any growth, are zeros.
    expect(await scraper.sample({ slot: 's', version: 'v2', since: c.at(0), until: c.at(10) })).toEqual({
      requests: 0,
      responses5xx: 0,
      localReplies: 0,
      wasmFailures: 0,
      nacks: 0,
    });
    expect((await scraper.sample({ slot: 's', version: 'v1', since: c.at(0), until: c.at(2) })).requests).toBe(0);
    expect(scraper.stats()).toMatchObject({ scrapes: 2, targetScrapes: 4, proxies: 2, restarts: 0 });
  });

  it('counts failures by kind, skips them, never throws, and still counts the healthy proxies', async () => {
    const good = await statsServer();
    good.body = stats(1, 0);
    const redirectTarget = await statsServer();
    redirectTarget.body = stats(1000, 1000);
    const redirect = await statsServer((_req, res) => res.writeHead(302, { location: redirectTarget.url }).end());
    const broken = await statsServer((_req, res) => res.writeHead(500).end('boom'));
    const garbage = await statsServer((_req, res) => res.writeHead(200).end('# TYPE envoy_wasmfleet_slot_requests counter\nenvoy_wasmfleet_slot_requests{slot="s" 1\n'));
    const silent = await statsServer(() => undefined); // never answers
    const huge = await statsServer((_req, res) => res.writeHead(200).end(`${'#'.repeat(5000)}\n`));
    const closed = await statsServer();
    await closed.close();
    servers.splice(servers.indexOf(closed), 1);
    const seen: string[] = [];
    const c = clock();
    const targets = [
      good.url,
      redirect.url,
      broken.url,
      garbage.url,
      silent.url,
      huge.url,
      closed.url,
      'file:///etc/passwd',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/stats',
      'not a url',
    ];
    const scraper = new DirectStatsScraper({
      targets: () => targets,
      now: c.now,
      timeoutMs: 300,
      maxBodyBytes: 1000,
      concurrency: 3,
      onScrape: (r) => seen.push(r.failure ?? 'ok'),
    });
    const report = await scraper.scrapeNow();
    expect(report.results.map((r) => r.failure ?? 'ok')).toEqual([
      'ok',
      'http-status',
      'http-status',
      'parse',
      'timeout',
      'too-large',
      'network',
      'invalid-url',
      'invalid-url',
      'invalid-url',
      'invalid-url',
    ]);
    expect([...seen].sort()).toEqual(report.results.map((r) => r.failure ?? 'ok').sort());
    expect(report.results[1]!.message).toMatch(/HTTP 302 \(redirect to .* not followed\)/);
    expect(redirectTarget.hits).toBe(0);
    expect(report.results[8]!.message).toMatch(/169\.254\.169\.254 is a link-local address/);
    expect(scraper.stats().failures).toEqual({ targets: 0, 'invalid-url': 4, timeout: 1, network: 1, 'http-status': 2, 'too-large': 1, parse: 1 });
    c.set(10);
    good.body = stats(4, 0);
    await scraper.scrapeNow();
    expect((await scraper.sample({ slot: 's', version: 'v1', since: c.at(0), until: c.at(10) })).requests).toBe(3);
  });

  it('counts a failing target provider instead of throwing', async () => {
    const scraper = new DirectStatsScraper({
      targets: () => {
        throw new Error('registry unavailable');
      },
    });
    const report = await scraper.scrapeNow();
    expect(report.results).toEqual([expect.objectContaining({ ok: false, failure: 'targets', message: expect.stringContaining('registry unavailable') })]);
    expect(scraper.stats().failures.targets).toBe(1);
  });

  it('joins a scrape in flight instead of starting another', async () => {
    const a = await statsServer((_req, res, self) => setTimeout(() => res.writeHead(200).end(self.body), 100));
    a.body = stats(1, 0);
    const scraper = new DirectStatsScraper({ targets: () => [a.url] });
    const [r1, r2] = await Promise.all([scraper.scrapeNow(), scraper.scrapeNow()]);
    expect(r1).toBe(r2);
    expect(a.hits).toBe(1);
  });

  it('scrapes on start and on every tick of the injected timer, until stopped', async () => {
    const a = await statsServer();
    a.body = stats(1, 0);
    let tick: (() => void) | undefined;
    let cleared: unknown;
    const timers: IntervalTimers = {
      setInterval: (fn, ms) => {
        expect(ms).toBe(2_500);
        tick = fn;
        return 'handle';
      },
      clearInterval: (h) => (cleared = h),
    };
    const scraper = new DirectStatsScraper({ targets: () => [a.url], intervalMs: 2_500, timers });
    scraper.start();
    scraper.start(); // idempotent
    await scraper.scrapeNow(); // joins the scrape start() began
    expect(a.hits).toBe(1);
    tick!();
    await scraper.scrapeNow();
    expect(a.hits).toBe(2);
    await scraper.stop();
    expect(cleared).toBe('handle');
    expect(scraper.stats().scrapes).toBe(2);
  });

  it('forgets snapshots past the retention but keeps one as the baseline', async () => {
    const a = await statsServer();
    const c = clock();
    const scraper = new DirectStatsScraper({ targets: () => [a.url], now: c.now, retentionMs: 60_000 });
    for (const [s, n] of [
      [0, 1],
      [30, 2],
      [60, 3],
      [90, 4],
      [120, 5],
    ] as const) {
      c.set(s);
      a.body = stats(n, 0);
      await scraper.scrapeNow();
    }
    // Cutoff at 60 s: the 0 s and 30 s snapshots are gone, 60 s is kept as the baseline.
    expect((await scraper.sample({ slot: 's', version: 'v1', since: c.at(0), until: c.at(120) })).requests).toBe(2);
    expect((await scraper.sample({ slot: 's', version: 'v1', since: c.at(60), until: c.at(120) })).requests).toBe(2);
    a.body = stats(5, 0);
    c.set(500);
    servers.splice(servers.indexOf(a), 1);
    await a.close();
    await scraper.scrapeNow(); // fails; all snapshots are now older than the retention
    expect(scraper.stats().proxies).toBe(0);
  });

  it('drops latency rather than add histograms with different buckets', async () => {
    const [a, b] = [await statsServer(), await statsServer()];
    const c = clock();
    const scraper = new DirectStatsScraper({ targets: () => [a.url, b.url], now: c.now });
    a.body = stats(0, 0);
    b.body = stats(0, 0, { buckets: [['5', 0], ['+Inf', 0]] });
    await scraper.scrapeNow();
    c.set(10);
    a.body = stats(2, 0);
    b.body = stats(3, 0, { buckets: [['5', 3], ['+Inf', 3]] });
    await scraper.scrapeNow();
    const sample = await scraper.sample({ slot: 's', version: 'v1', since: c.at(0), until: c.at(10) });
    expect(sample.requests).toBe(5);
    expect(sample.latency).toBeUndefined();
    expect(scraper.stats().latencyMismatches).toBe(1);
  });

  it('rejects a malformed query and bad options with a message that names the field', async () => {
    const scraper = new DirectStatsScraper({ targets: () => [] });
    const c = clock();
    await expect(scraper.sample({ slot: 's', version: 'v1', since: c.at(10), until: c.at(0) })).rejects.toThrow(/until .* is before since/);
    await expect(scraper.sample({ slot: '', version: 'v1', since: c.at(0), until: c.at(1) })).rejects.toThrow(/slot must be/);
    expect(() => new DirectStatsScraper({ targets: () => [], concurrency: 0 })).toThrow(/concurrency must be > 0/);
  });
});
