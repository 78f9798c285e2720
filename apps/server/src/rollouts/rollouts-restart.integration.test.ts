// Restart safety: the server is killed with SIGKILL (no shutdown hook runs) at random points of a rollout
// and restarted on the same Redis. Redis is the only truth and BullMQ holds only work, so the rollout must
// end exactly as an undisturbed one does, with every transition audited exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startEchoUpstream, startModuleServer, startProxy, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import {
  auditOf,
  duplicateTransitions,
  killHard,
  rolloutBody,
  slotVersions,
  startSlowModuleServer,
  stopIfRunning,
  TERMINAL_PHASES,
  transitionOf,
  versionOf,
  waitPhase,
} from '../../../../testing/rollout-fixtures.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { mintToken } from '../../../../testing/tokens.js';
import { ROLLOUT_QUEUE } from './bullmq-rollout-scheduler.js';

const TOKEN = `restart-admin-token-${Math.random().toString(36).slice(2)}`;
const MIN_KILLS = 10;

let redis: TestRedis;
let modules: TestHttpServer;
let dataDir: string;
let server: ServerProcess;
let operator: string;
let approver: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number) => Math.round(min + Math.random() * (max - min));

/** Same Redis, same admin token, same data dir (module cache): a restart of the same server. */
function start(): Promise<ServerProcess> {
  return startServer({ redisUrl: redis.url, token: TOKEN, env: { WASMFLEET_DATA_DIR: dataDir } });
}

async function restartHard(): Promise<void> {
  await killHard(server);
  server = await start();
}

/** Waves, timed pauses and two approval gates: timers, effects and operator actions to be interrupted. */
const STEPS = [
  { proxies: '10%' },
  { pause: { duration: '2s' } },
  { proxies: '30%' },
  { approval: { roles: ['approver'], timeout: '1h' } },
  { proxies: '60%' },
  { pause: { duration: '2s' } },
  { approval: { roles: ['approver'], timeout: '1h' } },
  { proxies: '100%' },
];
/** The approver approves the gate at step index i once this many kills are done: kills land before, at and after each gate. */
const APPROVE_AFTER_KILLS: Record<number, number> = { 3: 4, 6: MIN_KILLS - 1 };

beforeAll(async () => {
  [redis, modules] = await Promise.all([startRedis(), startModuleServer()]);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-restart-'));
  server = await start();
  // Tokens live in Redis, so they outlive every restart.
  [operator, approver] = await Promise.all([mintToken(server, ['operator']), mintToken(server, ['approver'])]);
}, 60_000);

afterAll(async () => {
  await stopIfRunning(server);
  await modules?.close();
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('a rollout through server crashes', () => {
  it('Given a rollout with waves, pauses and approvals, When the server is SIGKILLed and restarted at 10+ random points, Then it ends as an undisturbed run does, each transition audited once', async () => {
    // The undisturbed run, for comparison
    const baselineId = 'bookinfo/restart-baseline';
    const baselineSpec = rolloutBody({ name: 'restart-baseline', modulesUrl: modules.url, filter: 'add-header', steps: STEPS });
    expect((await server.api('POST', '/api/v1/rollouts', baselineSpec, operator)).status).toBe(201);
    for (const gate of [3, 6]) {
      expect((await waitPhase(() => server, baselineId, 'AwaitingApproval', operator)).stepIndex).toBe(gate);
      expect((await server.api('POST', `/api/v1/rollouts/${baselineId}/approve`, { comment: 'ok' }, approver)).status).toBe(200);
    }
    const baseline = await waitPhase(() => server, baselineId, TERMINAL_PHASES, operator);
    expect(baseline.phase, baseline.message).toBe('Succeeded');
    const baselineTransitions = (await auditOf(server, baselineId, operator)).map(transitionOf);
    expect(baselineTransitions).toHaveLength(6);

    // Given the same rollout under another name
    const id = 'bookinfo/restart-chaos';
    const spec = rolloutBody({ name: 'restart-chaos', modulesUrl: modules.url, filter: 'add-header', steps: STEPS });
    expect((await server.api('POST', '/api/v1/rollouts', spec, operator)).status).toBe(201);

    // When the server is killed at random points (often just after a start, when overdue timers fire) and restarted
    // each time. The approver approves each gate once enough kills are done, and the server is killed again 0-40 ms
    // into that request. Kills start once the module is validated: a kill during validation leaves BullMQ's job
    // locked by the dead worker, which stalls the rollout for 30-60 s (lock duration + stalled-check interval).
    let seen: { phase: string; stepIndex: number } = await waitPhase(() => server, id, ['Paused', 'AwaitingApproval', ...TERMINAL_PHASES], operator);
    const kills: string[] = [];
    const deadline = Date.now() + 150_000;
    while (kills.length < MIN_KILLS || !TERMINAL_PHASES.includes(seen.phase)) {
      expect(Date.now() < deadline, `rollout did not finish; kills at ${kills.join(', ')}`).toBe(true);
      const gate = APPROVE_AFTER_KILLS[seen.stepIndex];
      if (seen.phase === 'AwaitingApproval' && gate !== undefined && kills.length >= gate) {
        void server.api('POST', `/api/v1/rollouts/${id}/approve`, { comment: 'ship it' }, approver).catch(() => undefined);
        await sleep(between(0, 40));
      } else {
        await sleep(between(0, 700));
      }
      const before = await server.api('GET', `/api/v1/rollouts/${id}`, undefined, operator).catch(() => undefined);
      if (kills.length >= MIN_KILLS && TERMINAL_PHASES.includes(before?.body?.phase)) break;
      kills.push(`${before?.body?.phase}#${before?.body?.stepIndex}`);
      await restartHard();
      seen = (await server.api('GET', `/api/v1/rollouts/${id}`, undefined, operator)).body;
    }
    const final = await waitPhase(() => server, id, TERMINAL_PHASES, operator, 60_000);

    // Then it succeeded with the same stable artifact as the undisturbed run
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(final.phase, `${final.message}; kills at ${kills.join(', ')}`).toBe('Succeeded');
    expect(final.stable).toEqual(baseline.stable);
    expect(final.stable.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(final.stepIndex).toBe(baseline.stepIndex);
    const history = await server.api('GET', `/api/v1/rollouts/${id}/history`, undefined, operator);
    expect(history.body.items.map((h: { revision: number; outcome: string }) => [h.revision, h.outcome])).toEqual([[1, 'Succeeded']]);

    // And the audit log has each transition exactly once, the same ones as the undisturbed run
    const audit = await auditOf(server, id, operator);
    expect(duplicateTransitions(audit), `kills at ${kills.join(', ')}`).toEqual([]);
    expect(audit.map(transitionOf), `kills at ${kills.join(', ')}`).toEqual(baselineTransitions);
    expect(audit.filter((e) => e.action === 'Approve')).toHaveLength(2);
  }, 240_000);

  it('Given the server is SIGKILLed while it validates a module, When it restarts, Then validation runs again at once and the rollout carries on', async () => {
    // Given a module server slow enough (2 s) that the kill surely lands while the validation job pulls the module
    const slow = await startSlowModuleServer(2_000);
    try {
      const id = 'bookinfo/restart-validation';
      // (rate-limit: the one filter no other test here puts in the server's module cache, so it must be pulled)
      const spec = rolloutBody({ name: 'restart-validation', modulesUrl: slow.url, filter: 'rate-limit', steps: [{ proxies: '100%' }] });
      expect((await server.api('POST', '/api/v1/rollouts', spec, operator)).status).toBe(201);
      await eventually(async () => (slow.requests.length > 0 ? true : undefined), 'the validation to start pulling the module');
      expect((await server.api('GET', `/api/v1/rollouts/${id}`, undefined, operator)).body.phase).toBe('Validating');

      // When the server dies mid-validation and starts again
      await restartHard();

      // Then the validation is re-run (the module pulled again) and the rollout succeeds within seconds
      const final = await waitPhase(() => server, id, TERMINAL_PHASES, operator, 20_000);
      expect(final.phase).toBe('Succeeded');
      expect(slow.requests.length).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.close();
    }
  }, 60_000);

  it('Given the server died after opening an analysis window but before scheduling its first measurement, When it restarts, Then the window is still measured', async () => {
    // Given a rollout whose analysis window is open (no traffic: every measurement is inconclusive)
    const id = 'bookinfo/restart-analysis';
    const spec = rolloutBody({
      name: 'restart-analysis', modulesUrl: modules.url, filter: 'add-header', steps: [{ proxies: '10%', analysis: { duration: '8s' } }],
    });
    expect((await server.api('POST', '/api/v1/rollouts', spec, operator)).status).toBe(201);
    const progressing = await waitPhase(() => server, id, 'Progressing', operator);
    expect(progressing.analysis.measurements).toBe(0);

    // and the server dies in the gap between committing the transition and queueing its effects: the
    // measurement job it would have queued does not exist (removed here, with the server down)
    await killHard(server);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(ROLLOUT_QUEUE, { connection, prefix: 'wf:bull' });
    try {
      const measurements = (await queue.getDelayed()).filter((j) => j.name === 'analyze' && j.data.effect.rolloutId === id);
      expect(measurements, 'the first measurement was queued before the crash').toHaveLength(1);
      await measurements[0]!.remove();
    } finally {
      await queue.close();
      connection.disconnect();
    }

    // When the server restarts
    server = await start();

    // Then the window is measured anyway: the pause at its end reports what the last measurement saw
    const paused = await waitPhase(() => server, id, ['Paused', 'RolledBack', 'Failed', 'Succeeded'], operator, 20_000);
    expect(paused.phase).toBe('Paused');
    expect(paused.reason.code).toBe('AnalysisInconclusive');
    expect(paused.message, 'a measurement was taken in the window').toMatch(/\(last: 0 requests < 50 minimum\)/);
  }, 60_000);
});

describe('a server restart with a rollout in Redis', () => {
  it('Given a rollout put a validated module in a slot and WASMFLEET_PUBLIC_URL is unset, When the server restarts, Then it boots and a proxy connecting afterwards loads the module from it', async () => {
    const bootDir = mkdtempSync(path.join(os.tmpdir(), 'wf-boot-'));
    const env = { WASMFLEET_REDIS_PREFIX: 'wfboot:', WASMFLEET_DATA_DIR: bootDir };
    const upstream = await startEchoUpstream();
    let boot: ServerProcess | undefined = await startServer({ redisUrl: redis.url, token: TOKEN, env });
    try {
      // Given revision 1 of a rollout is stable in its slot
      const op = await mintToken(boot, ['operator']);
      const spec = rolloutBody({ name: 'boot', modulesUrl: modules.url, filter: 'add-header', steps: [{ proxies: '100%' }] });
      expect((await boot.api('POST', '/api/v1/rollouts', spec, op)).status).toBe(201);
      await waitPhase(() => boot!, 'bookinfo/boot', 'Succeeded', op);

      // When the server is killed and started again (default public URL: its own HTTP address)
      await killHard(boot);
      const restarted = await startServer({ redisUrl: redis.url, token: TOKEN, env }).catch((err: Error) => err);
      boot = restarted instanceof Error ? undefined : restarted;
      const failure = restarted instanceof Error ? /^wasmfleet-server failed to start: .*$/m.exec(restarted.message)?.[0] ?? restarted.message : undefined;
      expect(failure, 'the restarted server boots').toBeUndefined();

      // Then it serves the rollout, and a proxy connecting now loads the stable module from it
      expect((await boot!.api('GET', '/api/v1/rollouts/bookinfo/boot', undefined, op)).body.phase).toBe('Succeeded');
      const proxy = await startProxy(
        ['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--slot', 'wasmfleet.bookinfo.boot', '--xds', boot!.grpcTarget,
          '--node-id', 'boot', '--cluster', 'canary-east', '--namespace', 'bookinfo', '--label', 'app=ratings', '--warm-timeout-ms', '0'],
        { WASMFLEET_TOKEN: TOKEN },
      );
      try {
        await eventually(async () => ((await slotVersions(proxy))[0] === versionOf(1, 'add-header') ? true : undefined), 'the proxy to load revision 1');
      } finally {
        await proxy.stop();
      }
    } finally {
      await stopIfRunning(boot);
      await upstream.close();
      rmSync(bootDir, { recursive: true, force: true });
    }
  }, 60_000);
});
