// Rollouts that go wrong, end to end: a real server and Redis, real wasmfleet-proxy fleets in direct mode,
// real filters and real traffic. A faulty candidate must be rolled back by the analysis on its own; a
// candidate the proxies cannot load must pause the rollout with the proxies' own NACK message.
import { isCandidate } from '@wasmfleet/rollout';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../testing/free-port.js';
import { eventually, exampleFilterSha, startEchoUpstream, startModuleServer, startProxy, type ProxyProcess, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import {
  auditOf,
  duplicateTransitions,
  rolloutBody,
  slotVersions,
  startTraffic,
  versionOf,
  waitPhase,
  type Traffic,
} from '../../../../testing/rollout-fixtures.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { mintToken } from '../../../../testing/tokens.js';

const FLEET = 6;
const NACK_FLEET = 3;
const SLOT = 'wasmfleet.bookinfo.checkout';
const NACK_SLOT = 'wasmfleet.bookinfo.inventory';
const NACK_PREFIX = 'wfnack:';

let redis: TestRedis;
let upstream: TestHttpServer;
let modules: TestHttpServer;
let server: ServerProcess;
let fleet: ProxyProcess;
let operator: string;
/** A second server (own key prefix) whose proxies are told to fetch modules from a port nobody listens on. */
let nackServer: ServerProcess;
let nackFleet: ProxyProcess;
let nackOperator: string;
let closedPort: number;
let traffic: Traffic | undefined;

function proxyArgs(target: ServerProcess, slot: string, nodeId: string, replicas: number): string[] {
  return ['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--slot', slot, '--xds', target.grpcTarget, '--node-id', nodeId,
    '--cluster', 'canary-east', '--namespace', 'bookinfo', '--label', 'app=ratings', '--replicas', String(replicas), '--warm-timeout-ms', '0'];
}

beforeAll(async () => {
  [redis, upstream, modules, closedPort] = await Promise.all([startRedis(), startEchoUpstream(), startModuleServer(), freePort()]);
  [server, nackServer] = await Promise.all([
    startServer({ redisUrl: redis.url, env: { WASMFLEET_SCRAPE_INTERVAL_MS: '500' } }),
    startServer({
      redisUrl: redis.url,
      env: { WASMFLEET_REDIS_PREFIX: NACK_PREFIX, WASMFLEET_PUBLIC_URL: `http://127.0.0.1:${closedPort}`, WASMFLEET_SCRAPE_INTERVAL_MS: '500' },
    }),
  ]);
  [operator, nackOperator] = await Promise.all([mintToken(server, ['operator']), mintToken(nackServer, ['operator'])]);
  [fleet, nackFleet] = await Promise.all([
    startProxy(proxyArgs(server, SLOT, 'checkout', FLEET), { WASMFLEET_TOKEN: server.token }, FLEET),
    startProxy(proxyArgs(nackServer, NACK_SLOT, 'inventory', NACK_FLEET), { WASMFLEET_TOKEN: nackServer.token }, NACK_FLEET),
  ]);
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  await Promise.all([fleet?.stop(), nackFleet?.stop()]);
  await Promise.all([server?.stop(), nackServer?.stop()]);
  await Promise.all([upstream?.close(), modules?.close()]);
  await redis?.stop();
});

describe('a faulty candidate', () => {
  it('Given add-header is stable, When a revision of the faulty filter fails its analysis under traffic, Then it is rolled back automatically to the stable version', async () => {
    const id = 'bookinfo/checkout';
    const stableVersion = versionOf(1, 'add-header');
    const candidateVersion = versionOf(2, 'faulty');

    // Given revision 1 (add-header) is stable on every proxy
    const first = rolloutBody({
      name: 'checkout', modulesUrl: modules.url, filter: 'add-header', config: { header: 'x-version', value: 'v1' }, steps: [{ proxies: '100%' }],
    });
    const applied = await server.api('POST', '/api/v1/rollouts', first, operator);
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    await waitPhase(() => server, id, 'Succeeded', operator);
    await eventually(async () => ((await slotVersions(fleet)).every((v) => v === stableVersion) ? true : undefined), 'every proxy on revision 1');

    // When traffic flows through every proxy and revision 2 (faulty, failing every request) goes to 50% with analysis
    traffic = startTraffic(fleet.nodes.map((n) => n.listen));
    const faulty = rolloutBody({
      name: 'checkout', modulesUrl: modules.url, filter: 'faulty', config: { failureRate: 1 },
      steps: [{ proxies: '50%', analysis: { duration: '10s' } }],
      analysis: { failureLimit: 0, minRequests: 10 },
    });
    const second = await server.api('POST', '/api/v1/rollouts', faulty, operator);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.revision).toBe(2);
    const candidates = fleet.nodes.map((n) => isCandidate(n.node, `${id}#2`, 0.5));
    expect(candidates.filter(Boolean).length, 'the 50% wave picks some proxies').toBeGreaterThan(0);
    expect(candidates.filter((c) => !c).length, 'the 50% wave leaves some proxies on stable').toBeGreaterThan(0);

    // the canary really runs: the picked proxies serve the faulty version and answer 500
    await eventually(async () => {
      const v = await slotVersions(fleet);
      return v.every((version, i) => version === (candidates[i] ? candidateVersion : stableVersion)) ? true : undefined;
    }, 'the candidates to run revision 2, the others revision 1', 5_000);
    await eventually(async () => ((traffic!.statuses.get(500) ?? 0) > 0 ? true : undefined), 'the faulty canary to answer 500', 5_000);

    // Then the analysis fails it and it is rolled back on its own
    const rolledBack = await waitPhase(() => server, id, ['RolledBack', 'Failed', 'Paused', 'Succeeded'], operator, 30_000);
    expect(rolledBack.phase, rolledBack.message).toBe('RolledBack');
    expect(rolledBack.reason.code).toBe('AnalysisFailed');
    expect(rolledBack.message).toMatch(/error rate 100% > 1%/);
    expect(rolledBack.message).toMatch(/rolled back automatically to revision 1/);
    expect(rolledBack.stable).toMatchObject({ revision: 1, sha256: exampleFilterSha('add-header') });
    expect(rolledBack.canary.waves).toEqual([]);

    // every proxy is back on revision 1 and answers 200 with its header
    await eventually(async () => ((await slotVersions(fleet)).every((v) => v === stableVersion) ? true : undefined), 'every proxy back on revision 1');
    await traffic.stop();
    traffic = undefined;
    for (const node of fleet.nodes) {
      const res = await fetch(`${node.listen}/`);
      await res.arrayBuffer();
      expect(res.status, node.node).toBe(200);
      expect(res.headers.get('x-version'), node.node).toBe('v1');
    }

    // And the audit log has the automatic rollback once, and no transition twice
    const audit = await auditOf(server, id, operator);
    const rollbacks = audit.filter((e) => e.after.phase === 'RolledBack');
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toMatchObject({
      action: 'AnalysisResult',
      actor: 'system',
      before: { phase: 'Progressing', revision: 2, stepIndex: 0 },
      after: { phase: 'RolledBack', revision: 2 },
      reason: { code: 'AnalysisFailed' },
    });
    expect(duplicateTransitions(audit)).toEqual([]);
  }, 60_000);
});

describe('a candidate the proxies cannot load', () => {
  it('Given the proxies fetch modules from a port nobody listens on, When the first wave is served, Then the rollout pauses with their NACK message', async () => {
    const id = 'bookinfo/inventory';
    const sha = exampleFilterSha('add-header');
    // Given a server whose public URL (where proxies fetch modules) is closed; its own validation still passes
    // (it pulls the image from the module server). maxNacks tolerates every proxy, so NACKs pause, not fail.
    const spec = rolloutBody({
      name: 'inventory', modulesUrl: modules.url, filter: 'add-header', steps: [{ proxies: '100%', analysis: { duration: '2m' } }],
      analysis: { maxNacks: NACK_FLEET },
    });

    // When it is applied and the wave reaches the proxies
    const applied = await nackServer.api('POST', '/api/v1/rollouts', spec, nackOperator);
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);

    // Then it pauses, and says why in the proxies' words
    const paused = await waitPhase(() => nackServer, id, ['Paused', 'Failed', 'RolledBack', 'Succeeded'], nackOperator, 30_000);
    expect(paused.phase, paused.message).toBe('Paused');
    expect(paused.reason.code).toBe('Nacked');
    expect(paused.message).toMatch(/^NACKed by \d prox(y|ies): /);
    expect(paused.message).toContain(`module http://127.0.0.1:${closedPort}/modules/${sha}.wasm`);
    expect(paused.message).toContain('(after 3 attempts)');
    expect(paused.message).toContain(versionOf(1, 'add-header'));
    const client = new Redis(redis.url);
    try {
      const status = JSON.parse((await client.hget(`${NACK_PREFIX}rollout:${id}`, 'status'))!);
      expect(status.pauseReason).toBe('Nack');
      expect(status.nacks.message).toContain('(after 3 attempts)');
    } finally {
      client.disconnect();
    }

    // the proxies kept their last good config (none) rather than a half-loaded filter
    expect(await slotVersions(nackFleet)).toEqual(Array(NACK_FLEET).fill(null));

    // And the pause is audited once
    const audit = await auditOf(nackServer, id, nackOperator);
    const pauses = audit.filter((e) => e.after.phase === 'Paused');
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toMatchObject({ action: 'NackReported', before: { phase: 'Progressing' }, reason: { code: 'Nacked' } });
    expect(duplicateTransitions(audit)).toEqual([]);
  }, 40_000);
});
