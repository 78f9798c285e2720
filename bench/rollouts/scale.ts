// Part 1 of the rollout benchmark: step transition latency with many rollouts in flight over a large
// simulated fleet, and the Redis memory they take.
//
// The built server (real Redis, BullMQ) gets one slot per rollout; a separate load-client process holds
// `clusters × perCluster` Delta streams (model.ts), each subscribed to every slot. Each round applies a new
// revision of every rollout at once:
//   [10% wave (some limited to a few clusters)] → pause → 25% → pause → 50% → pause → 100% (Succeeded)
// The first half of the rollouts pause for `pauseS` seconds (a BullMQ delayed job fires the step), the other
// half pause until the benchmark sends `promote`, `pauseS` after the pause began.
//
// Per step transition, from the audit log (its `at` is the transition's updatedAt) and the client's log:
//   condition met (timer due = previous transition + pause, or promote request sent)
//     → status written (audit `at` = status.updatedAt)
//     → ECDS received (each stream the transition moves onto the candidate sees the new version).
// Which streams a transition moves is computed with libs/rollout's assignment (the function the server uses),
// so missing, unexpected and early updates are counted too.
import { Redis } from 'ioredis';
import { parseRolloutSpec, type ProxyNode, type WasmRollout } from '@wasmfleet/rollout';
import { exampleFilterSha, type TestHttpServer } from '../../testing/proxy-process.js';
import { startRedis } from '../../testing/redis-server.js';
import { startServer } from '../../testing/server-process.js';
import { slotSpec } from '../../testing/slot-fixtures.js';
import { AUDIT_MAX_ENTRIES, auditKey } from '../../apps/server/src/audit/audit-stream.js';
import { mintToken } from '../../testing/tokens.js';
import { cpuMs, rssKiB } from '../ecds/common.js';
import { api, dist, loadavg, log, onCleanup, once, schedMs, sleep, track, until, wallNow, withTimeout, type Dist } from './harness.js';
import { LoadClient } from './load-client-handle.js';
import { attribute, emptySamples, type AuditEntry, type Samples } from './attribution.js';
import { clusterLabels, clusterName, NAMESPACE, REGIONS, rolloutId, rolloutName, simNode, slotOf } from './model.js';
import { RolloutEvents, type RolloutView } from './rollout-events.js';
import { serverProfile } from './server-profile.js';

export interface ScaleOptions {
  clusters: number;
  perCluster: number;
  rollouts: number;
  rounds: number;
  /** Rounds run first and not counted (a fresh server compiles its hot paths in its first round); reported apart. */
  warmupRounds: number;
  pauseS: number;
  perChannel: number;
  batch: number;
  cpuProf: boolean;
  /** Node flags of the server process (e.g. V8 GC settings to compare). */
  serverNodeFlags: string[];
  fillAudit: boolean;
  /** Apply rollout k at k × staggerMs into each round (0: all at once, the worst case: transitions coincide). */
  staggerMs: number;
  /** CONFIG SET hz on the Redis the server uses (blocking-command timeouts, hence BullMQ delayed jobs, fire on its ticks); 0: leave it. */
  redisHz: number;
}

export interface ScaleResult {
  clusters: number;
  staggerMs: number;
  redisHz: number;
  streams: number;
  rollouts: number;
  rounds: number;
  warmupRounds: number;
  /** The uncounted warm-up rounds, for the record. */
  warmup: { conditionLeg: Dist; pushPerStream: Dist };
  timerLeg: Dist;
  promoteLeg: Dist;
  conditionLeg: Dist;
  pushPerStream: Dist;
  pushFirstWave: Dist;
  pushLaterWaves: Dist;
  pushLastPerTransition: Dist;
  e2ePerStream: Dist;
  e2eLastPerTransition: Dist;
  validation: Dist;
  expected: number;
  received: number;
  missing: number;
  unexpected: number;
  early: number;
  stuck: string[];
  promoteErrors: number;
  redis: {
    baseline: number;
    withRollouts: number;
    auditEntries: number;
    auditBytes: number;
    atCap?: { entries: number; usedMemory: number };
  };
  serverCpuMs: number;
  roundsWallMs: number;
  clientCpuMs: number;
  serverRssKiB: number;
  /** wasmfleet_xds_push_latency_seconds (cache invalidated → response written), bucket upper bounds in ms. */
  serverPush: { count?: number; p50?: number; p99?: number };
  /** Main threads during the rounds: time on a CPU and time waiting in a run queue (host contention). */
  sched: { server: { runMs: number; waitMs: number }; client: { runMs: number; waitMs: number }; loadBefore: string; loadAfter: string };
  setupMs: number;
  profileSummary?: string;
}


/** Targets and first waves vary by k mod 4, so the transitions touch from ~3% to ~67% of the streams. */
export function rolloutSpec(k: number, round: number, o: Pick<ScaleOptions, 'clusters' | 'pauseS'>, moduleUrl: string, sha256: string, promoted: boolean) {
  const n = o.clusters;
  let target: Record<string, unknown>;
  let firstWave: Record<string, unknown>;
  switch (k % 4) {
    case 0: // every cluster, namespace shop (web + api); the first wave only in staging clusters
      target = { clusters: { matchLabels: {} }, workloads: { namespace: 'shop' } };
      firstWave = { proxies: '10%', clusters: { matchLabels: { env: 'staging' } } };
      break;
    case 1: {
      // one region, every workload; the first wave in a few named clusters of it
      const region = k % REGIONS;
      const inRegion = Array.from({ length: n }, (_, i) => i).filter((i) => clusterLabels(i)['region'] === `r${region}`);
      target = { clusters: { matchLabels: { region: `r${region}` } } };
      firstWave = { proxies: '10%', clusters: inRegion.slice(0, Math.max(1, Math.floor(n / 50))).map(clusterName) };
      break;
    }
    case 2: {
      // a list of cluster names, one workload by namespace and label
      const count = Math.max(1, Math.floor(n / 10));
      const start = (k * 53) % n;
      target = {
        clusters: { names: Array.from({ length: count }, (_, m) => clusterName((start + m) % n)) },
        workloads: { namespace: 'shop', matchLabels: { app: 'web' } },
      };
      firstWave = { proxies: '10%' };
      break;
    }
    default: // every prod cluster, one workload by label
      target = { clusters: { matchLabels: { env: 'prod' } }, workloads: { matchLabels: { app: 'api' } } };
      firstWave = { proxies: '10%' };
  }
  const pause = promoted ? { pause: {} } : { pause: { duration: `${o.pauseS}s` } };
  return {
    apiVersion: 'wasmfleet.io/v1alpha1',
    kind: 'WasmRollout',
    metadata: { name: rolloutName(k), namespace: NAMESPACE },
    spec: {
      filter: {
        image: moduleUrl,
        sha256,
        rootId: 'add_header',
        config: { header: 'x-bench', value: `${rolloutName(k)}-round-${round}` },
        failurePolicy: 'FAIL_OPEN',
      },
      target,
      strategy: { steps: [firstWave, pause, { proxies: '25%' }, pause, { proxies: '50%' }, pause, { proxies: '100%' }] },
    },
  };
}

/** Quantiles (as the upper bound of the bucket they fall in, ms) of the delta push latency histogram. */
function histogramQuantiles(text: string): { count: number; p50?: number; p99?: number } {
  const buckets = [...text.matchAll(/^wasmfleet_xds_push_latency_seconds_bucket\{le="([^"]+)",kind="delta"\} (\d+)/gm)].map(
    ([, le, n]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le) * 1000, Number(n)] as const,
  );
  const count = buckets.at(-1)?.[1] ?? 0;
  const q = (p: number) => buckets.find(([, n]) => n >= p * count)?.[0];
  return { count, p50: q(0.5), p99: q(0.99) };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

export async function runScale(o: ScaleOptions, modules: TestHttpServer): Promise<ScaleResult> {
  const streams = o.clusters * o.perCluster;
  const sha256 = exampleFilterSha('add-header');
  const moduleUrl = `${modules.url}/add-header.wasm`;
  const candidateVersion = (round: number) => `r${round}.${sha256.slice(0, 12)}`;
  const promotedFrom = Math.ceil(o.rollouts / 2);
  const isPromoted = (k: number) => k >= promotedFrom;
  const slots = Array.from({ length: o.rollouts }, (_, k) => slotOf(k));

  const redisServer = await startRedis();
  const stopRedis = once(() => redisServer.stop());
  onCleanup(stopRedis);
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  onCleanup(() => void redis.disconnect());
  if (o.redisHz > 0) await redis.config('SET', 'hz', String(o.redisHz));
  const redisHz = Number(((await redis.config('GET', 'hz')) as string[])[1]);

  const profile = serverProfile(o.cpuProf, o.serverNodeFlags);
  const server = await startServer({ redisUrl: redisServer.url, execArgv: profile.execArgv });
  track(server.child);
  const stopServer = once(async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    await server.stop('SIGTERM');
  });
  onCleanup(stopServer);
  const operator = await mintToken(server, ['operator']);
  const call = (method: string, p: string, body?: unknown) => api(server.http, operator, method, p, body);

  for (const slot of slots) {
    const r = await call('POST', '/api/v1/slots', { name: slot, spec: slotSpec() });
    if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/v1/slots ${slot}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  await sleep(500);
  const baselineMemory = await usedMemory(redis);

  // ---- the simulated fleet ----
  const client = new LoadClient();
  onCleanup(() => client.kill());
  client.send({
    type: 'open',
    target: server.grpcTarget,
    token: server.token,
    streams,
    clusters: o.clusters,
    slots,
    perChannel: o.perChannel,
    batch: o.batch,
    batchTimeoutMs: 60_000,
  });
  let lastLog = 0;
  const opened = await client.next('opened', 120_000 + streams * 20, (m) => {
    if (m.type === 'progress' && performance.now() - lastLog > 2_000) {
      lastLog = performance.now();
      log(`scale: ${m.ready}/${streams} streams hold all ${slots.length} slots`);
    }
  });
  log(`scale: ${opened.ready} streams × ${slots.length} slots ready in ${opened.setupMs} ms`);

  const nodes: ProxyNode[] = Array.from({ length: streams }, (_, i) => {
    const n = simNode(i, o.clusters);
    return {
      id: n.id,
      cluster: { name: n.cluster, labels: n.metadata.cluster_labels },
      workload: { namespace: n.metadata.namespace, labels: n.metadata.labels },
    };
  });

  const events = new RolloutEvents(server.http, operator);
  await events.start();
  onCleanup(() => events.stop());

  // ---- the promote driver: `pauseS` after a promoted rollout paused at a pause step, promote it ----
  const promoteSent = new Map<string, number>();
  let promoteErrors = 0;
  let round = 0;
  const lastPromoted = new Map<string, number>();
  const promoteTimers = new Set<NodeJS.Timeout>();
  const promotedIds = new Set(Array.from({ length: o.rollouts }, (_, k) => k).filter(isPromoted).map(rolloutId));
  events.onView((v) => {
    if (!promotedIds.has(v.id) || v.revision !== round || v.phase !== 'Paused') return;
    const key = `${v.id}|${v.revision}`;
    if ((lastPromoted.get(key) ?? -1) >= v.stepIndex) return;
    lastPromoted.set(key, v.stepIndex);
    const due = Date.parse(v.updatedAt) + o.pauseS * 1000;
    const timer = setTimeout(() => {
      promoteTimers.delete(timer);
      const [ns, name] = v.id.split('/');
      promoteSent.set(`${v.id}|${v.revision}|${v.stepIndex}`, wallNow());
      call('POST', `/api/v1/rollouts/${ns}/${name}/promote`, {})
        .then((r) => {
          if (r.status !== 200) {
            promoteErrors += 1;
            log(`scale: promote ${v.id} at step ${v.stepIndex}: ${r.status} ${JSON.stringify(r.body)}`);
          } else events.accept(r.body as RolloutView);
        })
        .catch((err: Error) => {
          promoteErrors += 1;
          log(`scale: promote ${v.id}: ${err.message}`);
        });
    }, Math.max(0, due - Date.now()));
    promoteTimers.add(timer);
  });
  onCleanup(() => promoteTimers.forEach(clearTimeout));

  const all = emptySamples();
  const warm = emptySamples();
  const serverPush: { count?: number; p50?: number; p99?: number } = {};
  const stuck: string[] = [];
  const serverPid = server.child.pid!;
  let cpu0 = 0;
  let clientCpu0 = 0;
  let sched0 = { server: schedMs(serverPid), client: schedMs(client.child.pid!) };
  let loadBefore = '';
  let wall0 = 0;
  const windows: Array<[number, number]> = [];
  const totalRounds = o.warmupRounds + o.rounds;

  for (round = 1; round <= totalRounds; round++) {
    const counted = round > o.warmupRounds;
    if (round === o.warmupRounds + 1) {
      // Everything per run (CPU, scheduling, profile window) covers the counted rounds only.
      cpu0 = cpuMs(serverPid);
      clientCpu0 = cpuMs(client.child.pid!);
      sched0 = { server: schedMs(serverPid), client: schedMs(client.child.pid!) };
      loadBefore = loadavg();
      wall0 = performance.now();
    }
    const roundSched = schedMs(serverPid);
    client.send({ type: 'mark' });
    await client.next('marked', 10_000);
    const hr0 = process.hrtime.bigint();
    const specs = new Map<number, WasmRollout>();
    const appliedAt = new Map<string, number>();
    log(`scale: round ${round}/${totalRounds}${counted ? '' : ' (warm-up, not counted)'}: applying revision ${round} of ${o.rollouts} rollouts`);
    await Promise.all(
      Array.from({ length: o.rollouts }, async (_, k) => {
        if (o.staggerMs > 0) await sleep(k * o.staggerMs);
        const raw = rolloutSpec(k, round, o, moduleUrl, sha256, isPromoted(k));
        specs.set(k, parseRolloutSpec(raw));
        appliedAt.set(rolloutId(k), Date.now());
        const r = await call('POST', '/api/v1/rollouts', raw);
        if (r.status !== 201 && r.status !== 200) throw new Error(`apply ${rolloutId(k)}: ${r.status} ${JSON.stringify(r.body)}`);
        events.accept(r.body as RolloutView);
      }),
    );
    const roundTimeoutMs = 30_000 + 6 * o.pauseS * 1000;
    const done = (v: RolloutView | undefined) => v !== undefined && v.revision === round && v.phase === 'Succeeded';
    try {
      await until(`round ${round}: every rollout Succeeded`, roundTimeoutMs, () =>
        Array.from({ length: o.rollouts }, (_, k) => events.latest.get(rolloutId(k))).every(done) ? true : undefined,
      50);
    } catch (err) {
      // Read the truth from the API: SSE may have missed the end.
      const list = await call('GET', '/api/v1/rollouts');
      const items = (list.body?.items ?? []) as RolloutView[];
      for (const v of items) events.accept(v);
      const notDone = items.filter((v) => !done(v));
      if (notDone.length > 0) {
        for (const v of notDone) stuck.push(`${v.id} r${v.revision} ${v.phase} step ${v.stepIndex}/${v.stepCount}: ${v.message}`);
        log(`scale: ${(err as Error).message}; stuck: ${notDone.map((v) => `${v.id} ${v.phase}@${v.stepIndex}`).join(', ')}`);
      }
    }
    await sleep(1_000); // late pushes
    if (counted) windows.push([Number(hr0 / 1000n), Number(process.hrtime.bigint() / 1000n)]);

    // ---- attribute what the client saw to the transitions in the audit log ----
    const audits = new Map<string, AuditEntry[]>();
    await Promise.all(
      Array.from({ length: o.rollouts }, async (_, k) => {
        const r = await call('GET', `/api/v1/audit?rollout=${encodeURIComponent(rolloutId(k))}&limit=100`);
        if (r.status !== 200) throw new Error(`GET audit ${rolloutId(k)}: ${r.status}`);
        audits.set(rolloutId(k), (r.body.items as AuditEntry[]).filter((e) => e.after.revision === round).reverse());
      }),
    );
    let samples = emptySamples();
    for (let attempt = 0; attempt < 3; attempt++) {
      const dump = await client.dump();
      if (dump.errors > 0) log(`scale: ${dump.errors} stream errors, first: ${dump.firstError}`);
      samples = attribute({ round, dump, audits, specs, applied: appliedAt, nodes, rollouts: o.rollouts, pauseS: o.pauseS, promoteSent, candidateVersion: candidateVersion(round) });
      if (samples.missing === 0) break;
      log(`scale: round ${round}: ${samples.missing}/${samples.expected} expected updates not seen yet; waiting`);
      await sleep(2_000);
    }
    const d = (a: number[]) => dist(a);
    log(
      `scale: round ${round}: ${samples.timerLeg.length + samples.promoteLeg.length} transitions; condition→status p99 ` +
        `${d([...samples.timerLeg, ...samples.promoteLeg]).p99?.toFixed(1)} ms; status→ECDS p99 ${d(samples.pushPerStream).p99?.toFixed(1)} ms ` +
        `over ${samples.received}/${samples.expected} updates (${samples.unexpected} unexpected, ${samples.early} early); ` +
        `server main thread ran ${((schedMs(serverPid).runMs - roundSched.runMs) / 1000).toFixed(1)} s, waited for a CPU ` +
        `${((schedMs(serverPid).waitMs - roundSched.waitMs) / 1000).toFixed(1)} s; loadavg ${loadavg()}`,
    );
    const into = counted ? all : warm;
    for (const key of Object.keys(into) as Array<keyof Samples>) {
      const v = samples[key];
      if (Array.isArray(v)) (into[key] as number[]).push(...v);
      else (into[key] as number) += v as number;
    }
  }
  const roundsWallMs = performance.now() - wall0;
  const serverCpuMs = cpuMs(serverPid) - cpu0;
  const clientCpuMs = cpuMs(client.child.pid!) - clientCpu0;
  const serverRssKiB = rssKiB(serverPid);
  const sched1 = { server: schedMs(serverPid), client: schedMs(client.child.pid!) };
  const diff = (a: { runMs: number; waitMs: number }, b: { runMs: number; waitMs: number }) => ({ runMs: b.runMs - a.runMs, waitMs: b.waitMs - a.waitMs });
  const sched = { server: diff(sched0.server, sched1.server), client: diff(sched0.client, sched1.client), loadBefore, loadAfter: loadavg() };

  // ---- the server's own view: invalidation → response written, per push (histogram buckets) ----
  const metrics = await api(server.http, server.token, 'GET', '/metrics').catch(() => undefined); // metrics:read is admin only
  if (metrics?.status === 200) Object.assign(serverPush, histogramQuantiles(String(metrics.body)));

  // ---- Redis memory ----
  await sleep(500);
  const audit = auditKey('wf:'); // the server's default WASMFLEET_REDIS_PREFIX
  const withRollouts = await usedMemory(redis);
  const auditEntries = await redis.xlen(audit);
  const auditBytes = Number((await redis.call('MEMORY', 'USAGE', audit, 'SAMPLES', '0')) ?? 0);
  let atCap: ScaleResult['redis']['atCap'];
  if (o.fillAudit) {
    // The audit stream is capped at 100,000 entries (audit-stream.ts AUDIT_MAX_ENTRIES): fill it with copies
    // of the real entries, as the server appends them, and measure again.
    const real = ((await redis.xrange(audit, '-', '+', 'COUNT', 2_000)) as Array<[string, string[]]>).map(([, f]) => f[1]!);
    log(`scale: filling the audit stream to its cap of ${AUDIT_MAX_ENTRIES} entries with copies of ${real.length} real ones`);
    for (let written = auditEntries; written < AUDIT_MAX_ENTRIES; ) {
      const pipeline = redis.pipeline();
      const chunk = Math.min(5_000, AUDIT_MAX_ENTRIES - written);
      for (let i = 0; i < chunk; i++) pipeline.xadd(audit, 'MAXLEN', '~', String(AUDIT_MAX_ENTRIES), '*', 'entry', real[(written + i) % real.length]!);
      await withTimeout('audit fill', 60_000, pipeline.exec());
      written += chunk;
    }
    await sleep(200);
    atCap = { entries: await redis.xlen(audit), usedMemory: await usedMemory(redis) };
  }

  promoteTimers.forEach(clearTimeout);
  await events.stop();
  await client.kill();
  await stopServer();
  const profileSummary = profile.summarize('server-scale', 'rounds only', windows);

  redis.disconnect();
  await stopRedis();

  return {
    clusters: o.clusters,
    streams,
    rollouts: o.rollouts,
    staggerMs: o.staggerMs,
    redisHz,
    rounds: o.rounds,
    warmupRounds: o.warmupRounds,
    warmup: { conditionLeg: dist([...warm.timerLeg, ...warm.promoteLeg]), pushPerStream: dist(warm.pushPerStream) },
    timerLeg: dist(all.timerLeg),
    promoteLeg: dist(all.promoteLeg),
    conditionLeg: dist([...all.timerLeg, ...all.promoteLeg]),
    pushPerStream: dist(all.pushPerStream),
    pushFirstWave: dist(all.pushFirstWave),
    pushLaterWaves: dist(all.pushLaterWaves),
    pushLastPerTransition: dist(all.pushLast),
    e2ePerStream: dist(all.e2ePerStream),
    e2eLastPerTransition: dist(all.e2eLast),
    validation: dist(all.validation),
    // Correctness counts every round, the warm-up ones too.
    expected: all.expected + warm.expected,
    received: all.received + warm.received,
    missing: all.missing + warm.missing,
    unexpected: all.unexpected + warm.unexpected,
    early: all.early + warm.early,
    stuck,
    promoteErrors,
    redis: { baseline: baselineMemory, withRollouts, auditEntries, auditBytes, ...(atCap && { atCap }) },
    serverCpuMs,
    roundsWallMs,
    clientCpuMs,
    serverRssKiB,
    sched,
    serverPush,
    setupMs: opened.setupMs,
    ...(profileSummary && { profileSummary }),
  };
}
