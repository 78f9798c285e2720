// npm run bench:proxy — requests/s and latency through wasmfleet-proxy (apps/proxy) with no filter, with
// the add-header example filter and with the rate-limit example filter (limit 1e9 rps, so nothing is
// limited), plus wrk straight to the upstream (no proxy) for context.
//
// One upstream process (bench/proxy/upstream.ts, a bare node:http server) and one proxy process per
// configuration are started once, each proxy with its filter as the slot's default config (no control
// plane). The load generator is Debian's wrk in its own process. Each measurement is a warm-up wrk run
// (discarded) and then a measured wrk run; proxy CPU (utime+stime, /proc/<pid>/stat) is read around the
// measured run. Configurations alternate within a round, each round in a rotated order, and the table
// shows per-metric medians over the rounds (overheads are paired: filter − no filter within one round).
// Two load shapes:
//   loaded:   wrk -c 16 -t 2 (closed loop, the proxy saturated): throughput, and latency under load;
//   unloaded: wrk -c 1 -t 1 (one request at a time): latency ≈ the per-request cost itself.
//
//   npx tsx bench/proxy/run.ts [--duration 10] [--settle 8] [--warmup 2] [--rounds 3] [--connections 16]
//       [--threads 2] [--unloaded-duration 5] [--quick] [--cpu-prof] [--no-micro] [--max-minutes 8]
// (--settle: seconds of unmeasured load each proxy gets once before round 1, so that JIT and Wasm tier-up of
// a fresh process are not counted as per-request cost; --warmup: the short unmeasured run before each run.)
//
// Afterwards (unless --no-micro) bench/proxy/filter-micro.ts times the filter exchange alone, in its own
// process without sockets, to split the filter's own cost from what the proxy adds around it. With
// --cpu-prof the proxies run under `node --cpu-prof` and a per-request breakdown of their loaded runs is
// printed (profiles kept in bench/proxy/profiles/).
//
// Needs the proxy built (`npx tsc -b`), the example filters built (`node examples/filters/build.mjs`)
// and wrk on PATH (`apt-get install wrk`). Markdown tables on stdout; progress on stderr.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_FILTERS, PROXY_MAIN } from '../../testing/proxy-process.js';
import { cpuMs, sleep, tsxExecArgv } from '../ecds/common.js';
import { summarizeProfile } from '../ecds/profile-summary.js';
import { MICRO_CASES, MICRO_CONCURRENCY, type MicroCaseResult } from './filter-micro.js';
import { parseArgs, type Options } from './options.js';
import {
  capture,
  checkWrk,
  LABELS,
  PROFILE_DIR,
  removeSpecFiles,
  runWrk,
  slotCounters,
  startProxy,
  startUpstream,
  stopChild,
  verify,
  waitForOutput,
  type ConfigName,
  type Target,
  type Upstream,
} from './processes.js';
import { alive, killTracked, track } from '../shared/children.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MICRO = path.join(here, 'filter-micro.ts');
/** The target of the brief: add-header costs at most this much p50 latency per request over no filter. */
const TARGET_US = 30;

// ---- everything started is killed at the end, whatever happens ------------------------------------------
function killAll(): void {
  killTracked();
  removeSpecFiles();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: killing children`);
    killAll();
    process.exit(130);
  });
}

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench:proxy +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

// ---- measurement ---------------------------------------------------------------------------------------
interface Sample {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  /** Non-2xx responses, socket errors and timeouts. */
  errors: number;
  proxyCpuUsPerReq?: number;
  /** Proxy CPU over wall time of the measured run, in % of one core. */
  proxyCpuPct?: number;
  upstreamCpuUsPerReq: number;
  /** Whole machine busy (all CPUs, /proc/stat) over the measured run, in % of one core. */
  hostBusyPct: number;
}

/** Busy and total jiffies of all CPUs from /proc/stat. */
function hostJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3]! + f[4]!;
  return { busy: total - idle, total };
}

type Shape = 'loaded' | 'unloaded';
/** Measured windows per proxy (monotonic µs, the clock of V8's CPU profiles) and their requests, for --cpu-prof. */
const windows = new Map<ConfigName, { spans: Array<[number, number]>; requests: number }>();

async function measure(t: Target, shape: Shape, o: Options, upstream: Upstream): Promise<Sample> {
  const [c, th, seconds] = shape === 'loaded' ? [o.connections, o.threads, o.durationS] : [1, 1, o.unloadedDurationS];
  if (o.warmupS > 0) await runWrk(t.url, c, th, shape === 'loaded' ? o.warmupS : Math.min(1, o.warmupS));
  const pid = t.proxy?.child.pid;
  const proxy0 = pid !== undefined ? cpuMs(pid) : 0;
  const up0 = cpuMs(upstream.child.pid!);
  const host0 = hostJiffies();
  const wall0 = process.hrtime.bigint();
  const r = await runWrk(t.url, c, th, seconds);
  const wall1 = process.hrtime.bigint();
  const host1 = hostJiffies();
  const proxy1 = pid !== undefined ? cpuMs(pid) : 0;
  const up1 = cpuMs(upstream.child.pid!);
  const wallMs = Number(wall1 - wall0) / 1e6;
  const e = r.errors;
  const sample: Sample = {
    rps: r.requests / (r.durationUs / 1e6),
    p50: r.latencyUs.p50,
    p99: r.latencyUs.p99,
    mean: r.latencyUs.mean,
    requests: r.requests,
    errors: e.connect + e.read + e.write + e.status + e.timeout,
    upstreamCpuUsPerReq: ((up1 - up0) * 1000) / r.requests,
    hostBusyPct: (100 * availableParallelism() * (host1.busy - host0.busy)) / Math.max(1, host1.total - host0.total),
  };
  if (pid !== undefined) {
    sample.proxyCpuUsPerReq = ((proxy1 - proxy0) * 1000) / r.requests;
    sample.proxyCpuPct = (100 * (proxy1 - proxy0)) / wallMs;
    if (shape === 'loaded') {
      const w = windows.get(t.name) ?? { spans: [], requests: 0 };
      w.spans.push([Number(wall0 / 1000n), Number(wall1 / 1000n)]);
      w.requests += r.requests;
      windows.set(t.name, w);
    }
  }
  if (sample.errors > 0) log(`WARNING ${t.label} (${shape}): wrk errors ${JSON.stringify(e)}`);
  log(
    `${shape.padEnd(8)} ${t.label.padEnd(28)} ${sample.rps.toFixed(0).padStart(6)} rps  p50 ${sample.p50} µs  p99 ${sample.p99} µs  mean ${sample.mean.toFixed(0)} µs` +
      (sample.proxyCpuUsPerReq !== undefined ? `  proxy CPU ${sample.proxyCpuUsPerReq.toFixed(1)} µs/req (${sample.proxyCpuPct!.toFixed(0)}% of a core)` : '') +
      `  upstream CPU ${sample.upstreamCpuUsPerReq.toFixed(1)} µs/req  host busy ${sample.hostBusyPct.toFixed(0)}/${availableParallelism() * 100}%`,
  );
  return sample;
}

// ---- statistics and formatting ---------------------------------------------------------------------------
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const signed = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`);

/** samples[config][round] */
type Results = Map<ConfigName, Sample[]>;

/** Paired per-round difference of a metric, config − no filter. */
function paired(results: Results, name: ConfigName, metric: (s: Sample) => number | undefined): number[] {
  const base = results.get('none') ?? [];
  return (results.get(name) ?? []).map((s, i) => (metric(s) ?? NaN) - (metric(base[i]!) ?? NaN)).filter((v) => !Number.isNaN(v));
}

function table(results: Results, shape: Shape, o: Options): string {
  const head =
    shape === 'loaded'
      ? `Loaded: wrk -c ${o.connections} -t ${o.threads}, ${o.durationS} s per run after ${o.warmupS} s warm-up; median of ${o.rounds} round(s).`
      : `Unloaded: wrk -c 1 -t 1 (one request at a time), ${o.unloadedDurationS} s per run after ${Math.min(1, o.warmupS)} s warm-up; median of ${o.rounds} round(s).`;
  const lines = [
    head,
    '',
    '| config | rps | p50 µs | p99 µs | p50 overhead vs no filter (µs) | mean µs | mean overhead (µs) | proxy CPU µs/req | CPU overhead µs/req | proxy CPU % of a core | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, samples] of results) {
    const m = (f: (s: Sample) => number | undefined) => {
      const v = samples.map(f).filter((x): x is number => x !== undefined);
      return v.length ? median(v) : undefined;
    };
    const over = (f: (s: Sample) => number | undefined) => {
      if (name === 'none') return '0';
      if (name === 'direct') return '—';
      const d = paired(results, name, f);
      return d.length ? signed(median(d)) : 'n/a';
    };
    lines.push(
      `| ${LABELS[name]} | ${fmt(m((s) => s.rps))} | ${fmt(m((s) => s.p50))} | ${fmt(m((s) => s.p99))} | ${over((s) => s.p50)} | ` +
        `${fmt(m((s) => s.mean))} | ${over((s) => s.mean)} | ${fmt(m((s) => s.proxyCpuUsPerReq), 1)} | ` +
        `${name === 'direct' ? '—' : name === 'none' ? '0' : signed(median(paired(results, name, (s) => s.proxyCpuUsPerReq)), 1)} | ` +
        `${fmt(m((s) => s.proxyCpuPct))} | ${samples.reduce((n, s) => n + s.errors, 0)} |`,
    );
  }
  return lines.join('\n');
}

// ---- the filter exchange alone (filter-micro.ts) ------------------------------------------------------------
/** Runs each filter-micro case at each concurrency in its own process (one filter per process, as in the proxy). */
async function runMicro(seconds: number): Promise<MicroCaseResult[]> {
  const results: MicroCaseResult[] = [];
  for (const name of MICRO_CASES) {
    for (const conc of MICRO_CONCURRENCY) {
      const args = [...tsxExecArgv(), MICRO, EXAMPLE_FILTERS, String(seconds), name, String(conc)];
      const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
      const output = capture(child);
      const line = await waitForOutput(`filter-micro ${name} ×${conc}`, child, output, (out) => out.split('\n').find((l) => l.startsWith('{"name"')), seconds * 1000 + 30_000).finally(
        () => {
          if (alive(child)) child.kill('SIGKILL');
        },
      );
      const r = JSON.parse(line) as MicroCaseResult;
      log(`filter-micro ${name}, ${conc} in flight: ${r.us.toFixed(1)} µs (fastest ${r.minUs.toFixed(1)}); bare upstream call ${r.baselineUs.toFixed(1)} (${r.baselineMinUs.toFixed(1)})`);
      results.push(r);
    }
  }
  return results;
}

function microTable(results: MicroCaseResult[]): string {
  const cell = (name: string, conc: number) => {
    const r = results.find((x) => x.name === name && x.concurrency === conc);
    return r ? `${(r.minUs - r.baselineMinUs).toFixed(1)} (${(r.us - r.baselineUs).toFixed(1)})` : 'n/a';
  };
  return [
    'The filter exchange alone (bench/proxy/filter-micro.ts: FilterPlugin.handle, one filter per process, in-memory upstream, ' +
      'no sockets; µs per exchange over a bare upstream call: fastest of 5 slices (the least disturbed, the better ' +
      'estimate on a shared machine), median in parentheses):',
    '',
    `| filter | ${MICRO_CONCURRENCY.map((c) => `${c} in flight µs`).join(' | ')} |`,
    `|---|${MICRO_CONCURRENCY.map(() => '---:').join('|')}|`,
    ...MICRO_CASES.map((name) => `| ${name} | ${MICRO_CONCURRENCY.map((c) => cell(name, c)).join(' | ')} |`),
  ].join('\n');
}

// ---- CPU profiles (--cpu-prof) -----------------------------------------------------------------------------
/** Profile areas, with the filter modules (wasm://wasm/<hash>) under one name. */
const areaName = (a: string) => (a.startsWith('wasm://') ? 'wasm (filter guest code)' : a);

function profileReport(targets: Target[]): string {
  const per: Array<{ name: ConfigName; areas: Map<string, number>; fns: Map<string, number>; sampledUs: number }> = [];
  for (const t of targets) {
    if (!t.proxy) continue;
    const pid = t.proxy.child.pid!;
    const file = (existsSync(PROFILE_DIR) ? readdirSync(PROFILE_DIR) : []).find((f) => f.startsWith('CPU.') && f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
    const w = windows.get(t.name);
    if (!file || !w) {
      log(`no CPU profile for ${t.label} (pid ${pid})`);
      continue;
    }
    const named = path.join(PROFILE_DIR, `proxy-${t.name}.cpuprofile`);
    renameSync(path.join(PROFILE_DIR, file), named);
    log(`CPU profile of ${t.label}: ${path.relative(process.cwd(), named)}`);
    const s = summarizeProfile(named, w.spans, 100_000);
    const us = (ms: number) => (ms * 1000) / w.requests;
    const areas = new Map<string, number>();
    for (const [k, ms] of s.areas) areas.set(areaName(k), (areas.get(areaName(k)) ?? 0) + us(ms));
    const fns = new Map<string, number>();
    // wasm functions of different modules are different functions anyway; keep them apart by index only.
    for (const [k, ms] of s.topSelf) fns.set(k, (fns.get(k) ?? 0) + us(ms));
    per.push({ name: t.name, areas, fns, sampledUs: us(s.sampledMs) });
  }
  if (per.length === 0) return '';
  const areaNames = [...new Set(per.flatMap((p) => [...p.areas.keys()]))]
    .map((a) => [a, Math.max(...per.map((p) => p.areas.get(a) ?? 0))] as const)
    .filter(([, max]) => max >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([a]) => a);
  const lines = [
    'CPU profile of the loaded runs (JS thread, sampled self time per request, µs; profiling slows the proxy, ' +
      'and samples also land where the thread waited for a CPU, so on a busy machine everything is inflated):',
    '',
    `| area | ${per.map((p) => LABELS[p.name]).join(' | ')} |`,
    `|---|${per.map(() => '---:').join('|')}|`,
    `| **total on-CPU** | ${per.map((p) => p.sampledUs.toFixed(1)).join(' | ')} |`,
    ...areaNames.map((a) => `| ${a} | ${per.map((p) => (p.areas.get(a) ?? 0).toFixed(1)).join(' | ')} |`),
  ];
  const none = per.find((p) => p.name === 'none');
  for (const p of per) {
    if (p.name === 'none') continue;
    const rows = [...new Set([...p.fns.keys(), ...(none?.fns.keys() ?? [])])]
      .map((k) => [k, (p.fns.get(k) ?? 0) - (none?.fns.get(k) ?? 0), p.fns.get(k) ?? 0] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15);
    lines.push(
      '',
      `Where ${LABELS[p.name]} spends more than no filter (self µs/req: difference, and its own value):`,
      ...rows.map(([k, d, v]) => `    ${signed(d, 1).padStart(7)}  ${v.toFixed(1).padStart(6)}  ${k}`),
    );
  }
  return lines.join('\n');
}

// ---- main -------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const wrkVersion = checkWrk();
  if (!existsSync(PROXY_MAIN)) throw new Error(`${PROXY_MAIN} is missing: run \`npx tsc -b\` (or npm run build) first`);
  for (const f of ['add-header', 'rate-limit']) {
    if (!existsSync(path.join(EXAMPLE_FILTERS, `${f}.wasm`))) throw new Error(`examples/filters/dist/${f}.wasm is missing: run \`node examples/filters/build.mjs\` first`);
  }
  const runs = (o.unloadedDurationS > 0 ? 2 : 1) * 4 * o.rounds;
  const estimateS = 3 * o.settleS + o.rounds * 4 * (o.warmupS + o.durationS + (o.unloadedDurationS > 0 ? Math.min(1, o.warmupS) + o.unloadedDurationS : 0));
  log(
    `${wrkVersion}; node ${process.versions.node}; ${availableParallelism()} CPUs; loadavg ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} ` +
      `(other load skews the numbers); ${runs} measured runs, about ${Math.ceil(estimateS / 60)} min`,
  );
  const watchdog = setTimeout(() => {
    log(`exceeded --max-minutes ${o.maxMinutes}: killing everything`);
    killAll();
    process.exit(1);
  }, o.maxMinutes * 60_000);
  watchdog.unref();

  if (o.cpuProf) mkdirSync(PROFILE_DIR, { recursive: true });
  const upstream = await startUpstream();
  log(`upstream ${upstream.url} (pid ${upstream.child.pid})`);
  const targets: Target[] = [{ name: 'direct', label: LABELS.direct, url: upstream.url }];
  for (const name of ['none', 'add-header', 'rate-limit'] as const) {
    const t = await startProxy(name, upstream.url, o.cpuProf);
    log(`${t.label}: ${t.url} (pid ${t.proxy!.child.pid})`);
    targets.push(t);
  }
  for (const t of targets) await verify(t);
  if (o.settleS > 0) {
    log(`settling each proxy: ${o.settleS} s of load, not measured`);
    for (const t of targets) if (t.proxy) await runWrk(t.url, o.connections, o.threads, o.settleS);
  }
  await sleep(500);

  const shapes: Shape[] = o.unloadedDurationS > 0 ? ['loaded', 'unloaded'] : ['loaded'];
  const results = new Map<Shape, Results>(shapes.map((s) => [s, new Map(targets.map((t) => [t.name, []]))]));
  for (let round = 0; round < o.rounds; round++) {
    for (const shape of shapes) {
      log(`round ${round + 1}/${o.rounds}, ${shape}`);
      // Rotate the order each round so that no configuration always runs first (or right after another).
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + round) % targets.length]!;
        results.get(shape)!.get(t.name)!.push(await measure(t, shape, o, upstream));
      }
    }
  }

  // The filters really ran (FAIL_OPEN would pass requests on without a dead filter) and limited nothing.
  const checks: string[] = [];
  for (const t of targets) {
    if (t.name === 'direct' || t.name === 'none') continue;
    const c = await slotCounters(t);
    checks.push(`${t.label}: filter ran on ${c.requests} requests, ${c.failures} Wasm failures, ${c.localReplies} local replies`);
    if (c.failures > 0 || c.localReplies > 0 || c.requests === 0) log(`WARNING ${checks.at(-1)}`);
  }

  clearTimeout(watchdog);
  // Stop the proxies gracefully (a --cpu-prof profile is written at exit), then the upstream.
  await Promise.all(targets.map((t) => (t.proxy ? stopChild(t.proxy.child, 10_000) : undefined)));
  await stopChild(upstream.child, 3_000);
  let micro: MicroCaseResult[] | undefined;
  if (o.micro) {
    log('timing the filter exchange alone (filter-micro.ts)');
    micro = await runMicro(o.rounds === 1 && o.durationS <= 3 ? 1 : 1.5);
  }

  const out: string[] = [];
  for (const shape of shapes) out.push(table(results.get(shape)!, shape, o), '');
  const loaded = results.get('loaded')!;
  const unloaded = results.get('unloaded');
  const direct = median(loaded.get('direct')!.map((s) => s.p50));
  const none = median(loaded.get('none')!.map((s) => s.p50));
  out.push(`Proxy hop without filters (loaded p50, no filter − direct): ${signed(none - direct)} µs.`);

  // Target: add-header costs ≤ 30 µs p50 per request over no filter.
  const loadedP50 = paired(loaded, 'add-header', (s) => s.p50);
  const unloadedP50 = unloaded ? paired(unloaded, 'add-header', (s) => s.p50) : [];
  const cpu = paired(loaded, 'add-header', (s) => s.proxyCpuUsPerReq);
  const noiseP50 = (shape: Results) => {
    const v = shape.get('none')!.map((s) => s.p50);
    return Math.max(...v) - Math.min(...v);
  };
  // Conclusive only when every round (paired: add-header − no filter within the round) is on the same side
  // of the target; a single round is taken as it is.
  type Verdict = 'met' | 'NOT met' | 'within noise' | 'n/a';
  const verdict = (values: number[]): Verdict =>
    values.length === 0 ? 'n/a' : values.every((v) => v <= TARGET_US) ? 'met' : values.every((v) => v > TARGET_US) ? 'NOT met' : 'within noise';
  const rounds = (values: number[]) => values.map((v) => signed(v, 0)).join(', ');
  const lines = [
    `Target: the add-header filter costs ≤ ${TARGET_US} µs p50 per request over no filter.`,
    `- loaded p50 overhead (wrk -c ${o.connections}): ${verdict(loadedP50)}: ${signed(median(loadedP50))} µs (per round: ${rounds(loadedP50)}; ` +
      `no-filter p50 spread across rounds ${fmt(noiseP50(loaded))} µs). With ${o.connections} connections the proxy is saturated, ` +
      `so p50 ≈ connections / rps and a per-request cost shows up about ${o.connections}× here.`,
  ];
  if (unloaded) {
    lines.push(
      `- unloaded p50 overhead (wrk -c 1): ${verdict(unloadedP50)}: ${signed(median(unloadedP50))} µs (per round: ${rounds(unloadedP50)}; ` +
        `no-filter p50 spread ${fmt(noiseP50(unloaded))} µs). One request in flight: the direct per-request latency cost.`,
    );
  }
  lines.push(
    `- proxy CPU per request (loaded): ${verdict(cpu)}: ${signed(median(cpu), 1)} µs/req (per round: ${cpu.map((v) => signed(v, 1)).join(', ')}). ` +
      'utime+stime of the proxy process over the measured run / requests; 10 ms tick resolution, the steadiest measure on a shared machine.',
  );
  // The overall answer: the unloaded p50 (latency of one request, no queueing) when it is conclusive; else the
  // proxy's CPU per request, the steadiest measure (in a single-threaded proxy that CPU is on the request's
  // path, so it bounds the latency cost from below); else the loaded p50.
  const decided = [
    ...(unloaded ? [['unloaded p50', verdict(unloadedP50)] as const] : []),
    ['proxy CPU µs/req', verdict(cpu)] as const,
    ['loaded p50', verdict(loadedP50)] as const,
  ].find(([, v]) => v === 'met' || v === 'NOT met');
  lines.push(`Overall: ${decided ? `${decided[1] === 'met' ? 'MET' : 'NOT met'} (decided by ${decided[0]})` : 'inconclusive: every measure is within noise; run more --rounds'}.`);
  out.push('', ...lines, '', 'Checks:', ...checks.map((c) => `- ${c}`));
  out.push(
    '',
    `Latency is wrk's (1 µs resolution via bench/proxy/report.lua; wrk --latency prints it rounded to 10 µs steps above 1 ms). ` +
      `wrk, the upstream and the proxy share the machine's ${availableParallelism()} CPUs.`,
  );
  if (micro) out.push('', microTable(micro));
  if (o.cpuProf) {
    const report = profileReport(targets);
    if (report) out.push('', report);
  }
  console.log(out.join('\n'));
}

main()
  .then(() => {
    killAll();
    process.exit(0);
  })
  .catch((err: Error) => {
    log(`FAILED: ${err.stack ?? err.message}`);
    killAll();
    process.exit(1);
  });
