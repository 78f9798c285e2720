// npm run bench:rollouts — rollouts at scale: step transition latency with 20 rollouts in flight over
// 1,000 clusters of simulated ECDS clients, the Redis memory they take, and automatic rollback speed with
// 300 real wasmfleet-proxy processes' proxies in direct mode.
//
//   npx tsx bench/rollouts/run.ts [--quick] [--only scale|rollback]
//       [--clusters 1000] [--per-cluster 3] [--rollouts 20] [--rounds 5] [--warmup-rounds 1] [--pause-s 1]
//       [--per-channel 100] [--batch 500] [--no-fill-audit] [--stagger-ms 0]
//       [--processes 3] [--replicas 100] [--share 100] [--scrape-ms 1000] [--rps 60] [--sweep-concurrency 8]
//       [--redis-hz N] [--server-node-flags "--max-semi-space-size=64 ..."] [--cpu-prof] [--max-minutes 8]
//
// Part 1 (scale.ts): one load-client process holds clusters × per-cluster Delta streams (node.cluster
// c-0000…, cluster_labels, namespace and labels in node.metadata), each subscribed to all the rollouts' slots.
// Every round applies a new revision of each rollout; waves 10% → 25% → 50% → 100% with 1 s pauses between,
// half of them ended by BullMQ timers, half by `promote`. Latency per transition: condition met → status
// written (audit `at` = updatedAt) → the ECDS update on each stream the transition moves.
// Part 2 (rollback.ts): processes × replicas proxies on a stable add-header; a `faulty` candidate
// (failureRate 1) with analysis every 5 s is rolled back automatically; verdict → stable ACKed by all.
//
// Needs `npx tsc -b` first (runs the built server and proxy) and redis-server on PATH.
// Markdown tables on stdout; progress on stderr.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { PROXY_MAIN, startModuleServer } from '../../testing/proxy-process.js';
import { SERVER_MAIN } from '../../testing/server-process.js';
import { openFilesLimit } from '../ecds/common.js';
import { cliFlags, nodeFlags } from '../shared/cli-flags.js';
import { cleanupAll, fmt, killAll, log, onCleanup, once, type Dist } from './harness.js';
import { runRollback, type RollbackOptions, type RollbackResult } from './rollback.js';
import { runScale, type ScaleOptions, type ScaleResult } from './scale.js';

interface Options {
  only?: 'scale' | 'rollback';
  scale: ScaleOptions;
  rollback: RollbackOptions;
  maxMinutes: number;
}

const TARGET_MS = 200;
const TARGET_REDIS_BYTES = 50 * 1024 * 1024;
const TARGET_ROLLBACK_MS = 5_000;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    scale: { clusters: 1000, perCluster: 3, rollouts: 20, rounds: 5, warmupRounds: 1, pauseS: 1, perChannel: 100, batch: 500, cpuProf: false, serverNodeFlags: [], fillAudit: true, staggerMs: 0, redisHz: 0 },
    rollback: { processes: 3, replicas: 100, share: 100, scrapeMs: 1000, rps: 60, sweepConcurrency: 8, cpuProf: false, serverNodeFlags: [], redisHz: 0 },
    maxMinutes: 8,
  };
  const given = new Set<string>();
  const rest: Array<() => void> = [];
  for (const { flag, arg: a, value, positive, number } of cliFlags(argv)) {
    given.add(flag);
    switch (flag) {
      case '--quick':
        break;
      case '--only': {
        const v = value();
        if (v !== 'scale' && v !== 'rollback') throw new Error('--only: scale or rollback');
        o.only = v;
        break;
      }
      case '--clusters': { const v = positive(); rest.push(() => (o.scale.clusters = v)); break; }
      case '--per-cluster': { const v = positive(); rest.push(() => (o.scale.perCluster = v)); break; }
      case '--rollouts': { const v = positive(); rest.push(() => (o.scale.rollouts = v)); break; }
      case '--rounds': { const v = positive(); rest.push(() => (o.scale.rounds = v)); break; }
      case '--warmup-rounds': { const v = number(0, true); rest.push(() => (o.scale.warmupRounds = v)); break; }
      case '--pause-s': { const v = positive(); rest.push(() => (o.scale.pauseS = v)); break; }
      case '--per-channel': { const v = positive(); rest.push(() => (o.scale.perChannel = v)); break; }
      case '--batch': { const v = positive(); rest.push(() => (o.scale.batch = v)); break; }
      case '--no-fill-audit': rest.push(() => (o.scale.fillAudit = false)); break;
      case '--fill-audit': rest.push(() => (o.scale.fillAudit = true)); break;
      case '--processes': { const v = positive(); rest.push(() => (o.rollback.processes = v)); break; }
      case '--replicas': { const v = positive(); rest.push(() => (o.rollback.replicas = v)); break; }
      case '--share': {
        const v = positive();
        if (v > 100) throw new Error('--share: 1-100');
        rest.push(() => (o.rollback.share = v));
        break;
      }
      case '--scrape-ms': { const v = positive(); rest.push(() => (o.rollback.scrapeMs = v)); break; }
      case '--rps': { const v = positive(); rest.push(() => (o.rollback.rps = v)); break; }
      case '--sweep-concurrency': { const v = positive(); rest.push(() => (o.rollback.sweepConcurrency = v)); break; }
      case '--cpu-prof': rest.push(() => (o.scale.cpuProf = o.rollback.cpuProf = true)); break;
      case '--server-node-flags': { const v = nodeFlags(flag, value()); rest.push(() => (o.scale.serverNodeFlags = o.rollback.serverNodeFlags = v)); break; }
      case '--stagger-ms': { const v = Number(value()); rest.push(() => (o.scale.staggerMs = v)); break; }
      case '--redis-hz': { const v = positive(); rest.push(() => (o.scale.redisHz = o.rollback.redisHz = v)); break; }
      case '--max-minutes': { const v = Number(value()); rest.push(() => (o.maxMinutes = v)); break; }
      case '-h':
      case '--help':
        console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((_l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//'))).join('\n'));
        process.exit(0);
      default:
        throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (given.has('--quick')) {
    o.scale = { ...o.scale, clusters: 100, perCluster: 2, rollouts: 6, rounds: 1, warmupRounds: 0, fillAudit: false };
    o.rollback = { ...o.rollback, processes: 1, replicas: 20 };
    o.maxMinutes = 4;
  }
  for (const apply of rest) apply(); // explicit flags win over --quick
  return o;
}

const ms = (v: number | undefined) => fmt(v, 1);
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1024 / 1024).toFixed(1));
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'met' : '**NOT met**');

function scaleTables(r: ScaleResult): string {
  const row = (what: string, unit: string, d: Dist, target?: string, ok?: boolean) =>
    `| ${what} | ${d.n} ${unit} | ${ms(d.p50)} | ${ms(d.p99)} | ${ms(d.max)} | ${target ?? ''} | ${target ? verdict(d.n > 0 ? ok : false) : ''} |`;
  const p99ok = (d: Dist) => d.p99 !== undefined && d.p99 <= TARGET_MS;
  const complete = r.missing === 0 && r.unexpected === 0 && r.early === 0 && r.stuck.length === 0 && r.promoteErrors === 0;
  const lines = [
    `### Step transitions: ${r.rollouts} rollouts in flight over ${r.clusters} clusters, ${r.streams} ECDS Delta streams × ${r.rollouts} slots, ${r.rounds} revisions each` +
      `${r.warmupRounds > 0 ? ` after ${r.warmupRounds} uncounted warm-up revision(s)` : ''} ` +
      `(${r.staggerMs > 0 ? `applied ${r.staggerMs} ms apart` : 'applied at once'}; Redis hz ${r.redisHz})`,
    '',
    '| leg | samples | p50 ms | p99 ms | max ms | target | |',
    '|---|---:|---:|---:|---:|---|---|',
    row('condition met → status written (all transitions)', 'transitions', r.conditionLeg, `p99 ≤ ${TARGET_MS} ms`, p99ok(r.conditionLeg)),
    row('  · pause timer due → status written (BullMQ delayed job)', 'transitions', r.timerLeg),
    row('  · promote request sent → status written', 'transitions', r.promoteLeg),
    row('status written → ECDS update received, each affected stream', 'updates', r.pushPerStream, `p99 ≤ ${TARGET_MS} ms`, p99ok(r.pushPerStream)),
    row('  · first wave (written on ValidationSucceeded, while other rollouts validate)', 'updates', r.pushFirstWave),
    row('  · later waves (pause ended / promoted)', 'updates', r.pushLaterWaves),
    row('status written → last affected stream of the transition', 'transitions', r.pushLastPerTransition),
    row('condition met → ECDS update received, each affected stream (end to end)', 'updates', r.e2ePerStream, `p99 ≤ ${TARGET_MS} ms`, p99ok(r.e2ePerStream)),
    row('condition met → last affected stream of the transition', 'transitions', r.e2eLastPerTransition),
    row('(info) apply → validation succeeded, first wave written', 'rollouts', r.validation),
    ...(r.warmupRounds > 0
      ? [
          row('(info, not counted) warm-up revision: condition met → status written', 'transitions', r.warmup.conditionLeg),
          row('(info, not counted) warm-up revision: status written → ECDS update received', 'updates', r.warmup.pushPerStream),
        ]
      : []),
    `| (server's histogram) slot invalidated → Delta response written, per push | ${r.serverPush.count ?? 'n/a'} pushes | ≤ ${ms(r.serverPush.p50)} | ≤ ${ms(r.serverPush.p99)} | | | |`,
    '',
    `Correctness: ${r.received}/${r.expected} expected candidate updates received, ${r.missing} missing, ${r.unexpected} unexpected ` +
      `(untargeted or wrong version), ${r.early} before their transition; ${r.stuck.length} rollouts stuck, ${r.promoteErrors} promote errors — ` +
      `${complete ? 'all as the assignment says' : '**NOT all as expected**'}.`,
    r.stuck.length ? `Stuck: ${r.stuck.join('; ')}` : '',
    `Server CPU during the rounds: ${(r.serverCpuMs / 1000).toFixed(1)} s over ${(r.roundsWallMs / 1000).toFixed(1)} s ` +
      `(${((100 * r.serverCpuMs) / r.roundsWallMs).toFixed(0)}% of one core); load client ${(r.clientCpuMs / 1000).toFixed(1)} s; ` +
      `server RSS ${(r.serverRssKiB / 1024).toFixed(0)} MiB; streams set up in ${(r.setupMs / 1000).toFixed(1)} s.`,
    `Main threads during the rounds: server ran ${(r.sched.server.runMs / 1000).toFixed(1)} s and waited for a CPU ${(r.sched.server.waitMs / 1000).toFixed(1)} s; ` +
      `load client ran ${(r.sched.client.runMs / 1000).toFixed(1)} s, waited ${(r.sched.client.waitMs / 1000).toFixed(1)} s; host loadavg ${r.sched.loadBefore} → ${r.sched.loadAfter} on ${availableParallelism()} CPUs. ` +
      `Server main-thread CPU per assignment change (5 per rollout revision, everything else included): ` +
      `${(r.sched.server.runMs / (r.rounds * r.rollouts * 5)).toFixed(1)} ms with ${r.streams} streams watching the slot.`,
    '',
    '### Redis memory (INFO memory used_memory)',
    '',
    '| state | used_memory MiB | target | |',
    '|---|---:|---|---|',
    `| before any rollout (${r.rollouts} slots, tokens) | ${mib(r.redis.baseline)} | | |`,
    `| ${r.rollouts} rollouts × ${r.rounds + r.warmupRounds} revisions + audit (${r.redis.auditEntries} entries, ${mib(r.redis.auditBytes)} MiB, ` +
      `${r.redis.auditEntries ? Math.round(r.redis.auditBytes / r.redis.auditEntries) : 'n/a'} B/entry) | ${mib(r.redis.withRollouts)} | ≤ 50 MiB | ` +
      `${verdict(r.redis.withRollouts <= TARGET_REDIS_BYTES)} |`,
    r.redis.atCap
      ? `| same, audit stream filled to its cap (${r.redis.atCap.entries} entries: copies of the real ones) | ${mib(r.redis.atCap.usedMemory)} | ≤ 50 MiB | ` +
        `${verdict(r.redis.atCap.usedMemory <= TARGET_REDIS_BYTES)} |`
      : '',
  ];
  return lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

function rollbackTable(r: RollbackResult): string {
  const ok = r.allStableMs !== undefined && r.allStableMs <= TARGET_ROLLBACK_MS && r.notBack === 0;
  const ackOk = r.ackAllMs !== undefined && r.ackAllMs <= TARGET_ROLLBACK_MS;
  const proxyRun = r.sched.proxies.reduce((a, p) => a + p.runMs, 0);
  const proxyWait = r.sched.proxies.reduce((a, p) => a + p.waitMs, 0);
  return [
    `### Automatic rollback: ${r.proxies} wasmfleet-proxy proxies in direct mode, faulty candidate on ${r.share}% (${r.candidateProxies} proxies)`,
    '',
    '| measure | ms | target | |',
    '|---|---:|---|---|',
    `| failing verdict (AnalysisResult → RolledBack, audit \`at\`) → stable ACKed by every changed proxy (server's wasmfleet_xds_acks_total) | ${ms(r.ackAllMs)} | ≤ ${TARGET_ROLLBACK_MS} ms | ${verdict(ackOk)} |`,
    `| cross-check: failing verdict → every proxy's /config_dump on the stable version (first sweep seeing it: an upper bound, sweeps take p50 ${ms(r.sweepMs.p50)} ms) | ${ms(r.allStableMs)} | ≤ ${TARGET_ROLLBACK_MS} ms | ${verdict(ok)} |`,
    `| failing verdict → stable config written to every changed proxy's stream (wasmfleet_xds_pushes_total) | ${ms(r.pushAllMs)} | | |`,
    `| failing verdict → stable seen per proxy: p50 / p99 | ${ms(r.perProxy.p50)} / ${ms(r.perProxy.p99)} | | |`,
    `| failing verdict → last sighting of a proxy on the candidate (lower bound of the all-stable time) | ${ms(r.allStableLowerMs)} | | |`,
    `| (info) analysis window opened → failing verdict (measurement ${r.measurements}; one every 5 s, Inconclusive until enough candidate traffic was scraped) | ${ms(r.detectMs)} | | |`,
    `| (info) failing measurement due → its verdict written (analysis job) | ${ms(r.analysisLagMs)} | | |`,
    `| (info) window opened → the candidate ACKed by every candidate proxy (server count; ${r.caught}/${r.candidateProxies} also caught on it by a sweep) | ${ms(r.candidateAppliedMs)} | | |`,
    `| (info) /config_dump sweep over the fleet: p50 / max (resolution of the proxy-side times) | ${ms(r.sweepMs.p50)} / ${ms(r.sweepMs.max)} | | |`,
    `| (info) proxy processes' main threads from the rollback seen to all back: ran / waited for a CPU | ${ms(r.sched.proxies.reduce((a, p) => a + p.runMs, 0))} / ${ms(r.sched.proxies.reduce((a, p) => a + p.waitMs, 0))} | | |`,
    '',
    `Verdict: ${r.verdict}. Traffic: ${r.traffic.requests} requests, ${r.traffic.status5xx} 5xx, ${r.traffic.failed} failed. ` +
      `${r.notBack} proxies never seen back on the stable version. Server CPU from the faulty apply to the end: ${(r.serverCpuMs / 1000).toFixed(1)} s.`,
    `Main threads from the rollback seen to every proxy back (${(r.sched.windowMs / 1000).toFixed(2)} s): server ran ${(r.sched.server.runMs / 1000).toFixed(2)} s, ` +
      `waited for a CPU ${(r.sched.server.waitMs / 1000).toFixed(2)} s; the ${r.sched.proxies.length} proxy processes ran ${(proxyRun / 1000).toFixed(2)} s, ` +
      `waited ${(proxyWait / 1000).toFixed(2)} s.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  log(`loadavg ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} CPUs (other load skews the numbers)`);
  for (const main of [SERVER_MAIN, PROXY_MAIN]) if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx tsc -b\` first`);
  const limit = openFilesLimit();
  if (limit < 4096) log(`WARNING: ulimit -n is ${limit}; the rollback part holds ~1,000 sockets in this process`);
  const watchdog = setTimeout(() => {
    log(`exceeded --max-minutes ${o.maxMinutes}: killing everything`);
    killAll();
    void cleanupAll().finally(() => process.exit(1));
  }, o.maxMinutes * 60_000);
  watchdog.unref();

  const modules = await startModuleServer();
  onCleanup(once(() => modules.close()));
  const out: string[] = [];
  let scale: ScaleResult | undefined;
  let rollback: RollbackResult | undefined;
  if (o.only !== 'rollback') {
    const s = o.scale;
    log(`scale: ${s.clusters} clusters × ${s.perCluster} streams, ${s.rollouts} rollouts, ${s.rounds} rounds, pauses of ${s.pauseS} s`);
    scale = await runScale(s, modules);
    out.push(scaleTables(scale));
    if (scale.profileSummary) log(`scale: server CPU profile ${scale.profileSummary}`);
  }
  if (o.only !== 'scale') {
    rollback = await runRollback(o.rollback, modules);
    out.push(rollbackTable(rollback));
    if (rollback.profileSummary) log(`rollback: server CPU profile ${rollback.profileSummary}`);
  }
  clearTimeout(watchdog);

  const summary: string[] = [];
  if (scale) {
    summary.push(
      `| step transition, condition met → status written, p99 | ${ms(scale.conditionLeg.p99)} ms | ≤ ${TARGET_MS} ms | ${verdict(scale.conditionLeg.p99 !== undefined && scale.conditionLeg.p99 <= TARGET_MS)} |`,
      `| step transition, status written → ECDS pushed, p99 | ${ms(scale.pushPerStream.p99)} ms | ≤ ${TARGET_MS} ms | ${verdict(scale.pushPerStream.p99 !== undefined && scale.pushPerStream.p99 <= TARGET_MS)} |`,
      `| step transition end to end, p99 | ${ms(scale.e2ePerStream.p99)} ms | ≤ ${TARGET_MS} ms | ${verdict(scale.e2ePerStream.p99 !== undefined && scale.e2ePerStream.p99 <= TARGET_MS)} |`,
      `| Redis used_memory, ${scale.rollouts} rollouts + audit | ${mib(scale.redis.withRollouts)} MiB | ≤ 50 MiB | ${verdict(scale.redis.withRollouts <= TARGET_REDIS_BYTES)} |`,
      ...(scale.redis.atCap
        ? [`| Redis used_memory, audit stream at its 100,000-entry cap | ${mib(scale.redis.atCap.usedMemory)} MiB | ≤ 50 MiB | ${verdict(scale.redis.atCap.usedMemory <= TARGET_REDIS_BYTES)} |`]
        : []),
    );
  }
  if (rollback) {
    summary.push(
      `| rollback, verdict → stable ACKed by all ${rollback.candidateProxies} changed of ${rollback.proxies} proxies (server ACK count) | ${ms(rollback.ackAllMs)} ms | ≤ ${TARGET_ROLLBACK_MS} ms | ${verdict(rollback.ackAllMs !== undefined && rollback.ackAllMs <= TARGET_ROLLBACK_MS)} |`,
      `| (cross-check, upper bound) rollback, verdict → all ${rollback.proxies} proxies' config_dump on stable, sweeps of p50 ${ms(rollback.sweepMs.p50)} ms | ${ms(rollback.allStableMs)} ms | ≤ ${TARGET_ROLLBACK_MS} ms | ${verdict(rollback.allStableMs !== undefined && rollback.allStableMs <= TARGET_ROLLBACK_MS)} |`,
    );
  }
  const contention: string[] = [];
  const share = (run: number, wait: number) => (run > 0 ? wait / run : 0);
  if (scale) contention.push(`scale: the server's main thread waited for a CPU ${(100 * share(scale.sched.server.runMs, scale.sched.server.waitMs)).toFixed(0)}% as long as it ran`);
  if (rollback) {
    const run = rollback.sched.proxies.reduce((a, p) => a + p.runMs, 0);
    const wait = rollback.sched.proxies.reduce((a, p) => a + p.waitMs, 0);
    contention.push(
      `rollback: server ${(100 * share(rollback.sched.server.runMs, rollback.sched.server.waitMs)).toFixed(0)}%, proxies ${(100 * share(run, wait)).toFixed(0)}%`,
    );
  }
  const contended = (scale && share(scale.sched.server.runMs, scale.sched.server.waitMs) > 0.25) || (rollback && share(rollback.sched.server.runMs, rollback.sched.server.waitMs) > 0.25);
  console.log(
    [
      '## Rollout benchmark',
      '',
      '| target | measured | target | |',
      '|---|---:|---|---|',
      ...summary,
      '',
      `Host contention (run-queue wait of the main threads, /proc/<pid>/schedstat): ${contention.join('; ')}.` +
        (contended ? ' **The host was short of CPU: latencies are inflated by waiting for a CPU, not only by the server.**' : ''),
      ...(o.scale.serverNodeFlags.length > 0 ? ['', `Server started with Node flags \`${o.scale.serverNodeFlags.join(' ')}\`.`] : []),
      '',
      ...out.flatMap((t) => [t, '']),
    ].join('\n'),
  );
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (err: Error) => {
    log(`FAILED: ${err.stack ?? err.message}`);
    await cleanupAll();
    process.exit(1);
  });
