// Part 2 of the rollout benchmark: automatic rollback speed with real wasmfleet-proxy processes in direct
// mode (ECDS from the server, modules from the server, health scraped by the server from each proxy's
// stats_url).
//
// `processes` × `replicas` proxies (one gRPC channel per process, one shared data listener per process)
// run a stable add-header (revision 1 of a rollout, Succeeded). Revision 2 puts `faulty`
// ({"failureRate": 1}: every request gets a local 500) on `share`% of them with an analysis window measured
// every 5 s (failureLimit 0, minRequests 5) while the benchmark sends traffic through the proxies. The first
// failing measurement rolls back automatically. Measured from the failing verdict (the audit entry of the
// AnalysisResult that moved the rollout to RolledBack; its `at` is the status' updatedAt) until the stable
// version is applied and ACKed by every proxy:
//   - server side: wasmfleet_xds_acks_total grows by one per proxy (GET /metrics, polled every 100 ms);
//   - proxy side: each proxy's /config_dump shows the stable version again (polled in sweeps).
import { Redis } from 'ioredis';
import { canarySeed, isCandidate } from '@wasmfleet/rollout';
import { exampleFilterSha, startEchoUpstream, startProxy, type ProxyProcess, type TestHttpServer } from '../../testing/proxy-process.js';
import { startRedis } from '../../testing/redis-server.js';
import { startServer } from '../../testing/server-process.js';
import { mintToken } from '../../testing/tokens.js';
import { cpuMs } from '../ecds/common.js';
import { api, dist, log, onCleanup, once, schedMs, sleep, track, until, wallNow, type Dist } from './harness.js';
import { serverProfile } from './server-profile.js';

export interface RollbackOptions {
  processes: number;
  replicas: number;
  /** Percent of the proxies that get the faulty candidate. */
  share: number;
  scrapeMs: number;
  /** Requests per second through the proxies, all processes together. */
  rps: number;
  sweepConcurrency: number;
  cpuProf: boolean;
  /** Node flags of the server process. */
  serverNodeFlags: string[];
  redisHz: number;
}

export interface RollbackResult {
  proxies: number;
  share: number;
  candidateProxies: number;
  /** Window start (candidate wave entered) → every candidate proxy ACKed the faulty version (server count). */
  candidateAppliedMs?: number;
  /** Window start → failing verdict. */
  detectMs: number;
  /** The failing measurement due (window start + n × interval) → failing verdict: the analysis job itself. */
  analysisLagMs: number;
  verdict: string;
  /** Verdict → the server has the ACKs of every changed proxy. */
  ackAllMs?: number;
  /** Verdict → the server has written the stable config to every changed proxy's stream. */
  pushAllMs?: number;
  /** Which measurement failed (from the verdict time; measurements are 5 s apart). */
  measurements: number;
  /** Candidate proxies that a sweep caught on the candidate. */
  caught: number;
  /** Main threads' CPU and run-queue wait from the end of the rollout being seen to every proxy back. */
  sched: { windowMs: number; server: { runMs: number; waitMs: number }; proxies: Array<{ runMs: number; waitMs: number }> };
  /** Verdict → each proxy's config_dump shows the stable version (upper bounds: first sweep seeing it). */
  perProxy: Dist;
  /** Verdict → the last proxy seen on the stable version (upper bound), and its last sighting on the candidate (lower bound). */
  allStableMs?: number;
  allStableLowerMs?: number;
  /** Proxies never seen back on the stable version. */
  notBack: number;
  sweepMs: Dist;
  traffic: { requests: number; status5xx: number; failed: number };
  serverCpuMs: number;
  profileSummary?: string;
}

const SLOT = 'wasmfleet.bookinfo.ratings-filter';
const ID = 'bookinfo/ratings-filter';

function rollout(modules: TestHttpServer, filter: string, rootId: string, config: unknown, clusters: string[], steps: unknown[], analysis: object) {
  return {
    apiVersion: 'wasmfleet.io/v1alpha1',
    kind: 'WasmRollout',
    metadata: { name: 'ratings-filter', namespace: 'bookinfo' },
    spec: {
      filter: { image: `${modules.url}/${filter}.wasm`, sha256: exampleFilterSha(filter), rootId, config, failurePolicy: 'FAIL_OPEN', slot: SLOT },
      target: { clusters: { names: clusters }, workloads: { namespace: 'bookinfo', matchLabels: { app: 'ratings' } } },
      strategy: { steps, analysis, rollback: { automatic: true } },
    },
  };
}

interface AuditEntry {
  action: string;
  at: string;
  before: { phase: string; revision: number; stepIndex: number };
  after: { phase: string; revision: number; stepIndex: number };
  reason?: { message?: string };
}

export async function runRollback(o: RollbackOptions, modules: TestHttpServer): Promise<RollbackResult> {
  const redisServer = await startRedis();
  const stopRedis = once(() => redisServer.stop());
  onCleanup(stopRedis);
  if (o.redisHz > 0) {
    const r = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    await r.config('SET', 'hz', String(o.redisHz)).finally(() => r.disconnect());
  }
  const upstream = await startEchoUpstream();
  const closeUpstream = once(() => upstream.close());
  onCleanup(closeUpstream);
  const profile = serverProfile(o.cpuProf, o.serverNodeFlags);
  const server = await startServer({ redisUrl: redisServer.url, execArgv: profile.execArgv, env: { WASMFLEET_SCRAPE_INTERVAL_MS: String(o.scrapeMs) } });
  track(server.child);
  const stopServer = once(async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    await server.stop('SIGTERM');
  });
  onCleanup(stopServer);
  const operator = await mintToken(server, ['operator']);
  const call = (method: string, p: string, body?: unknown) => api(server.http, operator, method, p, body);

  // ---- the fleet ----
  const clusters = Array.from({ length: o.processes }, (_, p) => `fleet-${p}`);
  log(`rollback: starting ${o.processes} wasmfleet-proxy processes × ${o.replicas} replicas`);
  const fleet: ProxyProcess[] = await Promise.all(
    clusters.map(async (cluster, p) => {
      const proc = await startProxy(
        ['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--slot', SLOT, '--xds', server.grpcTarget, '--node-id', `ratings-${p}`,
          '--cluster', cluster, '--namespace', 'bookinfo', '--label', 'app=ratings', '--replicas', String(o.replicas), '--shared-listener',
          '--warm-timeout-ms', '0'],
        { WASMFLEET_TOKEN: server.token },
        o.replicas,
      );
      track(proc.child);
      const stop = once(() => (proc.child.exitCode !== null || proc.child.signalCode !== null ? Promise.resolve() : proc.stop()));
      onCleanup(stop);
      return { ...proc, stop };
    }),
  );
  const nodes = fleet.flatMap((p) => p.nodes);
  const listeners = [...new Set(nodes.map((n) => n.listen))];

  // ---- sweeps over every proxy's /config_dump: each version change with the time it was first seen ----
  /** Every observation per proxy: [version, wall-clock time of the answer]. */
  const history = nodes.map(() => [] as Array<[version: string, at: number]>);
  const sweepDurations: number[] = [];
  let sweeping = true;
  /** Between sweeps: slow while nothing is expected (sweeps load the proxies), fast once the rollback is on. */
  let sweepPauseMs = 500;
  const observe = async (i: number) => {
    const res = await fetch(`${nodes[i]!.admin}/config_dump`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { slots: Array<{ version: string | null }> };
    history[i]!.push([body.slots[0]?.version ?? '(none)', wallNow()]);
  };
  const sweeper = (async () => {
    while (sweeping) {
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(o.sweepConcurrency, nodes.length) }, async () => {
          while (next < nodes.length) await observe(next++).catch(() => undefined);
        }),
      );
      sweepDurations.push(performance.now() - t0);
      await sleep(sweepPauseMs);
    }
  })();
  onCleanup(async () => {
    sweeping = false;
    await sweeper;
  });
  const allOn = (version: string) => history.every((h) => h.at(-1)?.[0] === version);

  // ---- stable: revision 1, add-header on every proxy ----
  const addHeader = `r1.${exampleFilterSha('add-header').slice(0, 12)}`;
  const faulty = `r2.${exampleFilterSha('faulty').slice(0, 12)}`;
  const stable = await call('POST', '/api/v1/rollouts', rollout(modules, 'add-header', 'add_header', { header: 'x-version', value: 'stable' }, clusters, [{ proxies: '100%' }], {}));
  if (stable.status !== 201) throw new Error(`apply stable: ${stable.status} ${JSON.stringify(stable.body)}`);
  await until('the stable add-header on every proxy', 90_000, () => (allOn(addHeader) ? true : undefined), 200);
  log(`rollback: ${nodes.length} proxies run the stable add-header (${addHeader})`);

  // ---- traffic through every process' shared listener ----
  const traffic = { requests: 0, status5xx: 0, failed: 0 };
  let sending = true;
  const workers = Math.max(1, listeners.length * 2);
  const gapMs = (workers * 1000) / o.rps;
  const senders = Array.from({ length: workers }, async (_, w) => {
    const url = `${listeners[w % listeners.length]}/ratings`;
    while (sending) {
      const t0 = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        traffic.requests += 1;
        if (res.status >= 500) traffic.status5xx += 1;
      } catch {
        traffic.failed += 1;
      }
      await sleep(Math.max(0, gapMs - (performance.now() - t0)));
    }
  });
  onCleanup(async () => {
    sending = false;
    await Promise.all(senders);
  });

  // ---- pushes and ACKs as the server counts them ----
  const counters: Array<[at: number, pushes: number, acks: number]> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const res = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${server.token}` }, signal: AbortSignal.timeout(5_000) });
        const text = await res.text();
        const at = wallNow();
        const pushes = /^wasmfleet_xds_pushes_total\{kind="delta"\} (\d+)/m.exec(text);
        const acked = /^wasmfleet_xds_acks_total\{kind="delta"\} (\d+)/m.exec(text);
        if (pushes && acked) counters.push([at, Number(pushes[1]), Number(acked[1])]);
      } catch {
        /* a gap in the series */
      }
      await sleep(100);
    }
  })();
  onCleanup(async () => {
    sampling = false;
    await sampler;
  });

  // ---- the faulty candidate ----
  await sleep(2_000); // some healthy traffic first
  const serverPid = server.child.pid!;
  const serverCpu0 = cpuMs(serverPid);
  const hrOffsetUs = Number(process.hrtime.bigint() / 1000n) - wallNow() * 1000;
  const analysis = { interval: '5s', failureLimit: 0, consecutiveFailureLimit: 0, minRequests: 5, maxErrorRate: 1 };
  const counterAtApply = counters.at(-1);
  const applied = await call(
    'POST',
    '/api/v1/rollouts',
    rollout(modules, 'faulty', 'faulty', { failureRate: 1 }, clusters, [{ proxies: `${o.share}%`, analysis: { duration: '60s' } }], analysis),
  );
  if (applied.status !== 201 && applied.status !== 200) throw new Error(`apply faulty: ${applied.status} ${JSON.stringify(applied.body)}`);
  log(`rollback: applied revision 2 (faulty at ${o.share}%); waiting for the verdict`);
  const final = await until(
    'the faulty rollout to end',
    120_000,
    async () => {
      const r = await call('GET', `/api/v1/rollouts/${ID}`);
      return r.body?.revision === 2 && ['RolledBack', 'Failed', 'Succeeded', 'Aborted'].includes(r.body.phase) ? r.body : undefined;
    },
    100,
  );
  sweepPauseMs = 100;
  const sched0 = { server: schedMs(serverPid), proxies: fleet.map((p) => schedMs(p.child.pid!)), at: wallNow() };
  if (final.phase !== 'RolledBack') throw new Error(`the faulty rollout ended ${final.phase}: ${final.message}`);
  const audit = await call('GET', `/api/v1/audit?rollout=${encodeURIComponent(ID)}&limit=100`);
  const entries = (audit.body.items as AuditEntry[]).filter((e) => e.after.revision === 2).reverse();
  const windowStart = entries.find((e) => e.action === 'ValidationSucceeded');
  const verdict = entries.find((e) => e.action === 'AnalysisResult' && e.after.phase === 'RolledBack');
  if (!windowStart || !verdict) throw new Error(`audit without the window start or the failing verdict: ${JSON.stringify(entries)}`);
  const tStart = Date.parse(windowStart.at);
  const tVerdict = Date.parse(verdict.at);
  // Measurement n is due at window start + n × 5 s; Inconclusive ones leave no audit entry, so n is taken
  // from the verdict time (assumes the analysis job runs less than 5 s late).
  const measurements = Math.max(1, Math.floor((tVerdict - tStart) / 5_000));
  log(`rollback: verdict ${verdict.at} (${((tVerdict - tStart) / 1000).toFixed(2)} s after the window opened, measurement ${measurements}): ${verdict.reason?.message ?? ''}`);

  // The candidate proxies, by the assignment the server uses; each is back when its last version change
  // (after the candidate, or after the verdict if no sweep caught it on the candidate) is to the stable one.
  const candidates = nodes.map((n, i) => (isCandidate(n.node, canarySeed(ID, 2), o.share / 100) ? i : -1)).filter((i) => i >= 0);
  const backAt = (i: number): number | undefined => {
    const h = history[i]!;
    if (h.at(-1)?.[0] !== addHeader) return undefined;
    const onCandidate = h.findLastIndex(([v]) => v === faulty);
    // The first sighting of the stable version after the last one on the candidate; for a proxy no sweep
    // caught on the candidate, the first after the verdict (valid when every candidate ACK came before it).
    const from = onCandidate >= 0 ? onCandidate + 1 : h.findIndex(([, t]) => t > tVerdict);
    return from >= 0 ? h.slice(from).find(([v]) => v === addHeader)?.[1] : undefined;
  };
  const ackTarget = () => {
    const before = counters.filter(([t]) => t <= tVerdict).at(-1);
    if (!before) return undefined;
    const pushed = counters.find(([t, p]) => t > tVerdict && p >= before[1] + candidates.length);
    const acked = counters.find(([t, , a]) => t > tVerdict && a >= before[2] + candidates.length);
    return { pushed, acked };
  };
  await until(
    'every candidate proxy back on the stable version and ACKed',
    60_000,
    () => (candidates.every((i) => backAt(i) !== undefined) && ackTarget()?.acked ? true : undefined),
    25,
  ).catch((err: Error) => log(`rollback: ${err.message}`));
  const sched1 = { server: schedMs(serverPid), proxies: fleet.map((p) => schedMs(p.child.pid!)), at: wallNow() };
  sweeping = false;
  await sweeper;
  const wallEnd = wallNow();

  const perProxy = candidates.flatMap((i) => (backAt(i) !== undefined ? [backAt(i)! - tVerdict] : []));
  const notBack = candidates.filter((i) => backAt(i) === undefined).length;
  const caught = candidates.filter((i) => history[i]!.some(([v]) => v === faulty));
  // Lower bound of the last return: the latest sighting of a candidate proxy on the candidate.
  const lastOnCandidate = Math.max(...caught.map((i) => history[i]!.filter(([v]) => v === faulty).at(-1)![1]));
  // The candidate's ACKs: the counter before the faulty apply, then one more ACK per candidate proxy.
  const candidateAcked = counterAtApply ? counters.find(([t, , a]) => t > tStart && a >= counterAtApply[2] + candidates.length) : undefined;
  const candidateAppliedMs = candidateAcked ? candidateAcked[0] - tStart : undefined;
  if (!candidateAcked || candidateAcked[0] > tVerdict) log('rollback: not every candidate ACK was counted before the verdict: the ACK-based rollback time is not reliable');
  if (caught.length < candidates.length) log(`rollback: ${candidates.length - caught.length} of ${candidates.length} candidate proxies were never caught on the candidate by a sweep`);
  const { pushed, acked } = ackTarget() ?? {};
  const waited = (a: { runMs: number; waitMs: number }, b: { runMs: number; waitMs: number }) => ({ runMs: b.runMs - a.runMs, waitMs: b.waitMs - a.waitMs });
  const sched = {
    windowMs: sched1.at - sched0.at,
    server: waited(sched0.server, sched1.server),
    proxies: sched0.proxies.map((s, i) => waited(s, sched1.proxies[i]!)),
  };

  sending = false;
  sampling = false;
  await Promise.all([...senders, sampler]);
  const serverCpuMs = cpuMs(serverPid) - serverCpu0;
  await Promise.all(fleet.map((p) => p.stop()));
  await stopServer();
  const window: [number, number] = [tVerdict * 1000 + hrOffsetUs, wallEnd * 1000 + hrOffsetUs];
  const profileSummary = profile.summarize('server-rollback', 'verdict → all back', [window]);

  await stopRedis();
  await closeUpstream();

  return {
    proxies: nodes.length,
    share: o.share,
    candidateProxies: candidates.length,
    ...(candidateAppliedMs !== undefined && { candidateAppliedMs }),
    detectMs: tVerdict - tStart,
    analysisLagMs: tVerdict - (tStart + measurements * 5_000),
    verdict: verdict.reason?.message ?? '',
    ...(acked && { ackAllMs: acked[0] - tVerdict }),
    ...(pushed && { pushAllMs: pushed[0] - tVerdict }),
    measurements,
    caught: caught.length,
    sched,
    perProxy: dist(perProxy),
    ...(notBack === 0 && perProxy.length > 0 && { allStableMs: Math.max(...perProxy) }),
    ...(caught.length > 0 && { allStableLowerMs: lastOnCandidate - tVerdict }),
    notBack,
    sweepMs: dist(sweepDurations),
    traffic,
    serverCpuMs,
    ...(profileSummary && { profileSummary }),
  };
}
