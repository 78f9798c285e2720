// npm run bench:ecds — ECDS fan-out benchmark of the management server against a bare grpc-js floor.
//
// For each kind (sotw, delta) and stream count N: start the target (the built server with a real
// redis-server, or bench/ecds/floor-server.ts), let a separate load-client process open N streams over
// N/perChannel HTTP/2 connections in batches, wait until all have their initial config and the target is
// idle, read the target's RSS, then have the client send the update (REST PUT, or the floor's trigger)
// and timestamp when each stream gets the new version. Target CPU (utime+stime) is read before the
// trigger and once it is quiet again after the last stream got the update (so ACK handling counts).
// The update is repeated (--repeat, default 3, after one uncounted warm-up round) on the same streams;
// the table shows per-metric medians.
//
//   npx tsx bench/ecds/run.ts [--streams 1000,5000,10000] [--kinds sotw,delta] [--quick]
//       [--per-channel 100] [--batch 500] [--repeat 3] [--no-floor] [--cpu-prof] [--max-minutes 9]
//       [--server-node-flags "--max-semi-space-size=64 ..."]   (Node flags of the server and of the floor alike)
//
// Needs `npx tsc -b` first (runs apps/server/dist/main.js) and redis-server on PATH.
// Markdown table on stdout; progress on stderr.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, type TestRedis } from '../../testing/redis-server.js';
import { SERVER_MAIN } from '../../testing/server-process.js';
import { killTracked, track } from '../shared/children.js';
import { cliFlags, nodeFlags, positiveInteger } from '../shared/cli-flags.js';
import { IpcChild } from '../shared/ipc-child.js';
import { cpuMs, openFilesLimit, rssKiB, sleep, tsxExecArgv, type FromClient, type Kind, type ToClient } from './common.js';
import { formatSummary, summarizeProfile } from './profile-summary.js';
import { startFloor, startManagementServer } from './targets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.join(here, 'load-client.ts');

// ---- options ----------------------------------------------------------------------------------------
interface Options {
  streams: number[];
  kinds: Kind[];
  perChannel: number;
  batch: number;
  floor: boolean;
  cpuProf: boolean;
  /** Node flags of both targets (the server and the floor), e.g. V8 GC settings to compare. */
  serverNodeFlags: string[];
  maxMinutes: number;
  updateTimeoutMs: number;
  repeat: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    streams: [1000, 5000, 10000],
    kinds: ['sotw', 'delta'],
    perChannel: 100,
    batch: 500,
    floor: true,
    cpuProf: false,
    serverNodeFlags: [],
    maxMinutes: 9,
    updateTimeoutMs: 30_000,
    repeat: 3,
  };
  let quick = false;
  let streamsGiven = false;
  for (const { flag, arg: a, value, positive } of cliFlags(argv)) {
    switch (flag) {
      case '--streams':
        o.streams = value().split(',').map((v) => positiveInteger(flag, v));
        streamsGiven = true;
        break;
      case '--kinds':
        o.kinds = value().split(',').map((k) => {
          if (k !== 'sotw' && k !== 'delta') throw new Error(`--kinds: unknown kind ${k} (sotw, delta)`);
          return k;
        });
        break;
      case '--quick':
        quick = true;
        break;
      case '--per-channel':
        o.perChannel = positive();
        break;
      case '--batch':
        o.batch = positive();
        break;
      case '--no-floor':
        o.floor = false;
        break;
      case '--cpu-prof':
        o.cpuProf = true;
        break;
      case '--server-node-flags':
        o.serverNodeFlags = nodeFlags(flag, value());
        break;
      case '--max-minutes':
        o.maxMinutes = Number(value());
        break;
      case '--repeat':
        o.repeat = positive();
        break;
      case '--update-timeout-ms':
        o.updateTimeoutMs = positive();
        break;
      case '-h':
      case '--help':
        console.log('usage: tsx bench/ecds/run.ts [--streams 1000,5000,10000] [--kinds sotw,delta] [--quick] [--per-channel 100] [--batch 500] [--no-floor] [--cpu-prof] [--repeat 3] [--max-minutes 9] [--update-timeout-ms 30000] [--server-node-flags "--flag=value ..."]');
        process.exit(0);
      default:
        throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (quick && !streamsGiven) o.streams = [200];
  return o;
}

// ---- child bookkeeping: everything started is killed at the end, whatever happens --------------------
let redis: TestRedis | undefined;
const killAll = killTracked;

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: killing children`);
    void redis?.stop();
    killAll();
    process.exit(130);
  });
}

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench:ecds +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

// ---- the load client ----------------------------------------------------------------------------------
class LoadClient extends IpcChild<FromClient, ToClient> {
  constructor() {
    super('load client', [...tsxExecArgv(), CLIENT], path.resolve(here, '../..'), track);
  }
}

/** CPU share under which a target counts as idle (the --cpu-prof sampler thread alone uses a few percent). */
let idleShare = 0.03;

/** Waits until the process used at most idleShare of `windowMs` in CPU; returns the CPU reading at the start of that window. */
async function quietCpu(pid: number, windowMs: number, timeoutMs: number): Promise<number> {
  const maxMs = Math.max(10, windowMs * idleShare);
  const deadline = performance.now() + timeoutMs;
  let prev = cpuMs(pid);
  for (;;) {
    await sleep(windowMs);
    const now = cpuMs(pid);
    if (now - prev <= maxMs || performance.now() > deadline) return prev;
    prev = now;
  }
}

// ---- one measurement --------------------------------------------------------------------------------
interface Round {
  updated: number;
  p50?: number;
  p99?: number;
  p100?: number;
  cpuMs: number;
  errors: number;
}

interface RunResult {
  streams: number;
  /** Fewest streams updated in any round. */
  updated: number;
  /** Medians over the rounds. */
  p50?: number;
  p99?: number;
  p100?: number;
  cpuMs: number;
  rssBeforeKiB: number;
  rssIdleKiB: number;
  rssPerStreamKiB: number;
  setupMs: number;
  errors: number;
  rounds: Round[];
}

/** Median, with undefined (timed out) as larger than any number; undefined when that is the median. */
function median(values: Array<number | undefined>): number | undefined {
  const sorted = [...values].sort((a, b) => (a === undefined ? 1 : b === undefined ? -1 : a - b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function measure(which: 'server' | 'floor', kind: Kind, n: number, o: Options, runNo: number): Promise<RunResult> {
  const slot = `bench-${kind}-${n}-${runNo}`;
  log(`${which} ${kind} ×${n}: starting`);
  const targetOptions = { kind, streams: n, slot, nodeFlags: o.serverNodeFlags, log };
  const target = which === 'server' ? await startManagementServer(redis!.url, o.cpuProf, targetOptions) : await startFloor(targetOptions);
  let client: LoadClient | undefined;
  try {
    await sleep(1_000);
    await quietCpu(target.pid, 200, 5_000);
    const rssBeforeKiB = rssKiB(target.pid);
    client = new LoadClient();
    client.send({
      type: 'open',
      target: target.grpcTarget,
      token: target.token,
      kind,
      slot,
      streams: n,
      perChannel: o.perChannel,
      batch: o.batch,
      batchTimeoutMs: 60_000,
    });
    let lastLog = 0;
    const opened = await client.next('opened', 60_000 + n * 20, (m) => {
      if (m.type === 'progress' && performance.now() - lastLog > 2_000) {
        lastLog = performance.now();
        log(`${which} ${kind} ×${n}: ${m.ready}/${n} streams have their initial config`);
      }
    });
    log(`${which} ${kind} ×${n}: ${opened.ready} streams ready in ${opened.setupMs} ms; waiting for idle`);
    await sleep(1_000);
    await quietCpu(target.pid, 500, 15_000);
    const rssIdleKiB = rssKiB(target.pid);

    const rounds: Round[] = [];
    const windows: Array<[number, number]> = [];
    // Round 0 warms up both sides (JIT, first-use allocations) and is not counted.
    for (let round = 0; round <= o.repeat; round++) {
      client.send({ type: 'warmup', url: target.warmupUrl, headers: target.headers });
      await client.next('warmed', 10_000);
      await quietCpu(target.pid, 200, 5_000);
      const cpu0 = cpuMs(target.pid);
      const clientCpu0 = cpuMs(client.child.pid!);
      const hr0 = process.hrtime.bigint();
      client.send({ type: 'trigger', request: target.trigger(round), timeoutMs: o.updateTimeoutMs });
      const res = await client.next('result', o.updateTimeoutMs + 15_000);
      const cpu1 = await quietCpu(target.pid, 200, 15_000);
      const clientCpu1 = cpuMs(client.child.pid!);
      if (round > 0) windows.push([Number(hr0 / 1000n), Number(process.hrtime.bigint() / 1000n)]);
      if (res.triggerStatus !== 200) log(`${which} ${kind} ×${n}: trigger answered ${res.triggerStatus}`);
      if (res.errors > 0) log(`${which} ${kind} ×${n}: ${res.errors} stream errors, first: ${res.firstError}`);
      if (res.early > 0) log(`${which} ${kind} ×${n}: ${res.early} updates arrived outside a measurement`);
      const l = res.latencies;
      const r: Round = {
        updated: res.updated,
        p50: ofAll(l, 50, n),
        p99: ofAll(l, 99, n),
        p100: ofAll(l, 100, n),
        cpuMs: cpu1 - cpu0,
        errors: res.errors,
      };
      if (round > 0) rounds.push(r);
      log(
        `${which} ${kind} ×${n} ${round === 0 ? 'warm-up round' : `round ${round}/${o.repeat}`}: ${res.updated}/${n} updated; p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} ` +
          `100% ${fmt(r.p100)} ms; trigger answered in ${res.triggerMs.toFixed(1)} ms; CPU ${r.cpuMs} ms (load client ${clientCpu1 - clientCpu0} ms)`,
      );
    }
    log(`${which} ${kind} ×${n}: RSS ${rssBeforeKiB} → ${rssIdleKiB} KiB with ${n} idle streams`);
    await client.kill();
    client = undefined;
    await target.stop();
    if (target.profile) {
      const profile = target.profile();
      if (profile) {
        log(`${which} ${kind} ×${n}: CPU profile ${path.relative(process.cwd(), profile)}; fan-out window:\n` +
          formatSummary(summarizeProfile(profile, windows)));
      }
    }
    // Median of the rounds, metric by metric (a timed-out round counts as slowest).
    return {
      streams: n,
      updated: Math.min(...rounds.map((r) => r.updated)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      p100: median(rounds.map((r) => r.p100)),
      cpuMs: median(rounds.map((r) => r.cpuMs))!,
      rssBeforeKiB,
      rssIdleKiB,
      rssPerStreamKiB: (rssIdleKiB - rssBeforeKiB) / n,
      setupMs: opened.setupMs,
      errors: Math.max(...rounds.map((r) => r.errors)),
      rounds,
    };
  } finally {
    await client?.kill();
    await target.stop();
  }
}

/**
 * Time until p% of all `n` streams had the update (nearest rank over n, not over those that got it);
 * undefined when fewer than that many got it before the timeout.
 */
function ofAll(sorted: number[], p: number, n: number): number | undefined {
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return rank <= sorted.length ? sorted[rank - 1] : undefined;
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined ? 'n/a' : v.toFixed(digits));

// ---- main -----------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.cpuProf) idleShare = 0.1;
  log(`loadavg ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} CPUs (other load skews the numbers)`);
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npx tsc -b\` first`);
  const limit = openFilesLimit();
  const channels = Math.ceil(Math.max(...o.streams) / o.perChannel);
  // Each side holds one socket per channel (plus a few for Redis, REST and node itself).
  if (limit < channels + 256) {
    log(`WARNING: ulimit -n is ${limit}; ${channels} connections need about ${channels + 256}. Raise it (ulimit -n 65536) or use --per-channel.`);
  } else log(`ulimit -n ${limit}: enough for ${channels} connections per side`);
  const watchdog = setTimeout(() => {
    log(`exceeded --max-minutes ${o.maxMinutes}: killing everything`);
    void redis?.stop();
    killAll();
    process.exit(1);
  }, o.maxMinutes * 60_000);
  watchdog.unref();

  redis = await startRedis();
  const rows: Array<{ kind: Kind; server: RunResult; floor?: RunResult }> = [];
  let runNo = 0;
  for (const kind of o.kinds) {
    for (const n of o.streams) {
      runNo += 1;
      const server = await measure('server', kind, n, o, runNo);
      const floor = o.floor ? await measure('floor', kind, n, o, runNo) : undefined;
      rows.push({ kind, server, ...(floor && { floor }) });
    }
  }
  clearTimeout(watchdog);

  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);
  const lines = [
    '| kind | streams | p50 ms | p99 ms | 100% ms | floor p99 ms | floor 100% ms | ratio p99 | ratio 100% | server CPU ms | floor CPU ms | RSS/idle stream KiB | floor RSS/stream KiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { kind, server: s, floor: f } of rows) {
    const n = s.updated === s.streams ? `${s.streams}` : `${s.streams} (${s.updated} updated)`;
    lines.push(
      `| ${kind} | ${n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.p100)} | ${fmt(f?.p99)} | ${fmt(f?.p100)} | ${ratio(s.p99, f?.p99)} | ${ratio(s.p100, f?.p100)} | ` +
        `${s.cpuMs} | ${f ? f.cpuMs : 'n/a'} | ${fmt(s.rssPerStreamKiB)} | ${fmt(f?.rssPerStreamKiB)} |`,
    );
  }
  console.log(lines.join('\n'));
  if (o.serverNodeFlags.length > 0) console.log(`\nServer and floor started with Node flags \`${o.serverNodeFlags.join(' ')}\`.`);

  // Targets from the issue, for the largest N of each kind.
  const verdicts: string[] = [];
  for (const kind of o.kinds) {
    const big = rows.filter((r) => r.kind === kind).sort((a, b) => b.server.streams - a.server.streams)[0];
    if (!big) continue;
    const s = big.server;
    const f = big.floor;
    const check = (ok: boolean | undefined, text: string) => `${ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met'}: ${text}`;
    verdicts.push(
      `- ${kind} ×${s.streams}: ` +
        [
          check(s.streams >= 10_000 && s.updated === s.streams && s.errors === 0, `10,000 streams served (${s.updated}/${s.streams} updated, ${s.errors} errors)`),
          check(s.p99 === undefined ? false : s.p99 <= 1000, `p99 ≤ 1 s (${fmt(s.p99)} ms)`),
          check(
            f && s.p99 !== undefined && f.p99 !== undefined ? s.p99 <= 1.5 * f.p99 : undefined,
            `p99 ≤ 1.5× floor (${s.p99 !== undefined && f?.p99 ? `${(s.p99 / f.p99).toFixed(3)}×` : 'n/a'})`,
          ),
          check(s.rssPerStreamKiB <= 16, `≤ 16 KiB RSS per idle stream (${fmt(s.rssPerStreamKiB)})`),
        ].join('; '),
    );
  }
  console.log(`\nTargets (largest N per kind):\n${verdicts.join('\n')}`);
  console.log(
    `\nSetup (all streams with initial config): ${rows.map((r) => `${r.kind}×${r.server.streams} server ${r.server.setupMs} ms / floor ${r.floor?.setupMs ?? 'n/a'} ms`).join('; ')}`,
  );
}

main()
  .then(async () => {
    await redis?.stop();
    killAll();
    process.exit(0);
  })
  .catch(async (err: Error) => {
    log(`FAILED: ${err.stack ?? err.message}`);
    killAll();
    await redis?.stop().catch(() => {});
    process.exit(1);
  });
