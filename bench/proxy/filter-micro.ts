// The filters' own cost, without sockets: FilterPlugin.handle (the proxy-wasm host the proxy uses) on a
// request like wrk's, with an in-memory upstream answering like bench/proxy/upstream.ts. For each filter,
// µs per exchange (wall ≈ CPU here: one thread, no I/O), against a baseline that only awaits the same
// upstream, with 1 or 16 exchanges in flight. Besides the proxy benchmark's two AssemblyScript filters it
// times
//   - add-header instantiated WITHOUT fuel metering (what metering costs), and
//   - c-add-header, the plain-C filter without an SDK (what the host costs without the AssemblyScript
//     SDK's per-request work).
// One (filter, concurrency) per process, as in the proxy: a process that runs several filters makes the
// host's call sites polymorphic, and one that first ran at another concurrency carries that JIT state; both
// skewed the numbers. run.ts runs each in its own child; alone:
//   npx tsx bench/proxy/filter-micro.ts <examples/filters/dist> <seconds> <case name> <concurrency>
// Prints one JSON line {"name", "concurrency", "us", "minUs", "baselineUs", "baselineMinUs"} on stdout: the
// median and the fastest of 5 slices, each alternating with a shorter slice of the baseline.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// Types only at the top: run.ts imports the case list from here without loading the host.
import type { HttpRequest, HttpResponse } from '@wasmfleet/proxy-wasm';

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

/**
 * µs per call of `fn` over about `ms` milliseconds, with `concurrency` exchanges in flight at a time (as
 * with wrk's connections: each stream context lives from its request headers until its upstream answered).
 */
async function time(fn: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let n = 0;
  const batch: Array<Promise<unknown>> = new Array(concurrency);
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < concurrency; j++) batch[j] = fn();
      await Promise.all(batch);
    }
    n += 100 * concurrency;
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
const CASES: Case[] = [
  { name: 'add-header', file: 'add-header.wasm', rootId: 'add_header', config: { header: 'x-powered-by', value: 'wasmfleet' }, metered: true, check: addHeaderCheck },
  { name: 'add-header, unmetered', file: 'add-header.wasm', rootId: 'add_header', config: { header: 'x-powered-by', value: 'wasmfleet' }, metered: false, check: addHeaderCheck },
  { name: 'rate-limit (1e9 rps)', file: 'rate-limit.wasm', rootId: 'rate_limit', config: { requestsPerSecond: 1_000_000_000, burst: 1_000_000 }, metered: true, check: (_, res) => res.status === 200 },
  { name: 'c-add-header (C, no SDK)', file: 'c-add-header.wasm', rootId: 'c_add_header', config: { value: 'bench' }, metered: true, check: (req) => hasHeader(req?.headers, 'x-c-filter', 'bench') },
];

export const MICRO_CASES = CASES.map((c) => c.name);
export const MICRO_CONCURRENCY = [1, 16];

/** Median and fastest slice of the filter and of the baseline, µs per exchange. */
export interface MicroCaseResult {
  name: string;
  concurrency: number;
  us: number;
  minUs: number;
  baselineUs: number;
  baselineMinUs: number;
}

async function main(dist: string, seconds: number, name: string, conc: number): Promise<void> {
  const { FilterPlugin, loadFilterModule } = await import('@wasmfleet/proxy-wasm');
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`unknown case ${name} (${MICRO_CASES.join('; ')})`);
  const file = path.join(dist, c.file);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`node examples/filters/build.mjs\``);
  const loaded = await loadFilterModule(new Uint8Array(readFileSync(file)));
  const mod = c.metered ? loaded : { ...loaded, metered: loaded.module };
  const plugin = await FilterPlugin.start(mod, { name: c.rootId, rootId: c.rootId, pluginConfig: JSON.stringify(c.config), failurePolicy: 'FAIL_OPEN' });
  const r = await plugin.handle(request(), upstream);
  if (r.response.status !== 200 || r.failure || !c.check(r.upstreamRequest, r.response)) {
    throw new Error(`${c.name}: unexpected exchange: ${r.response.status} ${JSON.stringify(r.failure ?? null)} ${JSON.stringify(r.response.headers)}`);
  }
  const filter = () => plugin.handle(request(), upstream);
  const baseline = () => upstream();
  // Warm up (JIT), then alternate filter and baseline slices; the machine is shared, so report the median
  // slice and the fastest (least disturbed) one, for the filter and for the baseline.
  const ROUNDS = 5;
  const sliceMs = (seconds * 1000) / ROUNDS / 1.25;
  await time(filter, conc, 1000);
  await time(baseline, conc, 200);
  const f: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    f.push(await time(filter, conc, sliceMs));
    b.push(await time(baseline, conc, sliceMs / 4));
  }
  const result: MicroCaseResult = { name, concurrency: conc, us: median(f), minUs: Math.min(...f), baselineUs: median(b), baselineMinUs: Math.min(...b) };
  await plugin.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dist, seconds, name, concurrency] = process.argv.slice(2);
  if (!dist || !seconds || !name || !concurrency) {
    console.error(`usage: filter-micro.ts <examples/filters/dist> <seconds> <case> <concurrency>; cases: ${MICRO_CASES.join('; ')}`);
    process.exit(2);
  }
  await main(dist, Number(seconds), name, Number(concurrency));
  process.exit(0);
}
