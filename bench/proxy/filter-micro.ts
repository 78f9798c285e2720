// The filters' own cost, without sockets: FilterPlugin.handle (the proxy-wasm host the proxy uses) on a
// request like wrk's, with an in-memory upstream answering like bench/proxy/upstream.ts. For each filter,
// µs per exchange (wall ≈ CPU here: one thread, no I/O), against a baseline that only awaits the same
// upstream. Besides the proxy benchmark's two AssemblyScript filters it times
//   - add-header instantiated WITHOUT fuel metering (what metering costs), and
//   - c-add-header, the plain-C filter without an SDK (what the host costs without the AssemblyScript
//     SDK's per-request work).
// Run by run.ts in its own process after the proxies are stopped; also runnable alone:
//   npx tsx bench/proxy/filter-micro.ts <examples/filters/dist> [seconds per filter]
// Prints one JSON line {"baselineUs", "baselineMinUs", "filters": [{name, us, minUs}]} on stdout (median and fastest of 5 slices).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FilterPlugin, loadFilterModule, type HttpRequest, type HttpResponse } from '@wasmfleet/proxy-wasm';

const [dist, secondsArg] = process.argv.slice(2);
if (!dist) {
  console.error('usage: filter-micro.ts <examples/filters/dist> [seconds per filter]');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 2);

// What the proxy hands the filter for `wrk http://127.0.0.1:port/bench` (wrk sends only Host).
const request = (): HttpRequest => ({
  method: 'GET',
  path: '/bench',
  authority: '127.0.0.1:10000',
  scheme: 'http',
  headers: [],
  source: { address: '127.0.0.1', port: 40000 },
});
const BODY = Buffer.from('hello from the wasmfleet bench upstream\n');
const upstream = async (): Promise<HttpResponse> => ({
  status: 200,
  headers: [
    ['content-type', 'text/plain'],
    ['content-length', String(BODY.length)],
    ['date', new Date().toUTCString()],
    ['connection', 'keep-alive'],
    ['keep-alive', 'timeout=60'],
  ],
  body: BODY,
});

/** µs per call of `fn` over about `ms` milliseconds, in batches of 1000. */
async function time(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 1000; i++) await fn();
    n += 1000;
  }
  return ((performance.now() - t0) * 1000) / n;
}

interface Case {
  name: string;
  file: string;
  rootId: string;
  config: object;
  /** false: instantiate the module as shipped, without fuel metering. */
  metered: boolean;
  /** Checks the exchange once before timing. */
  check: (req: HttpRequest | undefined, res: HttpResponse) => boolean;
}

const hasHeader = (headers: [string, string][] | undefined, name: string, value: string) => !!headers?.some(([k, v]) => k === name && v === value);
const addHeaderCheck: Case['check'] = (_, res) => hasHeader(res.headers, 'x-powered-by', 'wasmfleet');
const cases: Case[] = [
  { name: 'add-header', file: 'add-header.wasm', rootId: 'add_header', config: { header: 'x-powered-by', value: 'wasmfleet' }, metered: true, check: addHeaderCheck },
  { name: 'add-header, unmetered', file: 'add-header.wasm', rootId: 'add_header', config: { header: 'x-powered-by', value: 'wasmfleet' }, metered: false, check: addHeaderCheck },
  { name: 'rate-limit (1e9 rps)', file: 'rate-limit.wasm', rootId: 'rate_limit', config: { requestsPerSecond: 1_000_000_000, burst: 1_000_000 }, metered: true, check: (_, res) => res.status === 200 },
  { name: 'c-add-header (C, no SDK)', file: 'c-add-header.wasm', rootId: 'c_add_header', config: { value: 'bench' }, metered: true, check: (req) => hasHeader(req?.headers, 'x-c-filter', 'bench') },
];

const runs: Array<{ name: string; fn: () => Promise<unknown>; close?: () => Promise<void> }> = [{ name: 'baseline', fn: () => upstream() }];
for (const c of cases) {
  const file = path.join(dist, c.file);
  if (!existsSync(file)) {
    process.stderr.write(`filter-micro: ${file} is missing; skipping ${c.name}\n`);
    continue;
  }
  const loaded = await loadFilterModule(new Uint8Array(readFileSync(file)));
  const mod = c.metered ? loaded : { ...loaded, metered: loaded.module };
  const plugin = await FilterPlugin.start(mod, { name: c.rootId, rootId: c.rootId, pluginConfig: JSON.stringify(c.config), failurePolicy: 'FAIL_OPEN' });
  const r = await plugin.handle(request(), upstream);
  if (r.response.status !== 200 || r.failure || !c.check(r.upstreamRequest, r.response)) {
    throw new Error(`${c.name}: unexpected exchange: ${r.response.status} ${JSON.stringify(r.failure ?? null)} ${JSON.stringify(r.response.headers)}`);
  }
  runs.push({ name: c.name, fn: () => plugin.handle(request(), upstream), close: () => plugin.close() });
}
// Warm every case up, then alternate them in ROUNDS short slices; the machine is shared, so each case
// reports its median slice and its fastest (least disturbed) slice.
const ROUNDS = 5;
const sliceMs = (seconds * 1000) / ROUNDS;
for (const r of runs) await time(r.fn, 300);
const slices = new Map<string, number[]>(runs.map((r) => [r.name, []]));
for (let round = 0; round < ROUNDS; round++) for (const r of runs) slices.get(r.name)!.push(await time(r.fn, sliceMs));
for (const r of runs) await r.close?.();
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const stat = (name: string) => ({ name, us: median(slices.get(name)!), minUs: Math.min(...slices.get(name)!) });
const baseline = stat('baseline');
process.stdout.write(`${JSON.stringify({ baselineUs: baseline.us, baselineMinUs: baseline.minUs, filters: runs.slice(1).map((r) => stat(r.name)) })}\n`);
process.exit(0);
