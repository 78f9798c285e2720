// Rollouts end to end: a real server and Redis, real wasmfleet-proxy processes in direct mode (they fetch
// their ECDS and modules from the server), real filters, and health read from the proxies' stats.
import { isCandidate } from '@wasmfleet/rollout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, exampleFilterSha, startEchoUpstream, startModuleServer, startProxy, type ProxyProcess, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { mintToken } from '../../../../testing/tokens.js';

const PROXIES = 10;
let redis: TestRedis;
let server: ServerProcess;
let upstream: TestHttpServer;
let modules: TestHttpServer;
let fleet: ProxyProcess;
let operator: string;
let approver: string;

const slot = 'wasmfleet.bookinfo.add-header';

function rollout(name: string, filter: string, rootId: string, config: unknown, steps: unknown[], analysis: Record<string, unknown> = {}) {
  return {
    apiVersion: 'wasmfleet.io/v1alpha1',
    kind: 'WasmRollout',
    metadata: { name, namespace: 'bookinfo' },
    spec: {
      filter: { image: `${modules.url}/${filter}.wasm`, sha256: exampleFilterSha(filter), rootId, config, failurePolicy: 'FAIL_CLOSED', slot },
      target: { clusters: { names: ['canary-east'] }, workloads: { namespace: 'bookinfo', matchLabels: { app: 'ratings' } } },
      strategy: { steps, analysis: { interval: '5s', ...analysis }, rollback: { automatic: true } },
    },
  };
}

async function waitPhase(id: string, phase: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const r = await server.api('GET', `/api/v1/rollouts/${id}`, undefined, operator);
    return r.body.phase === phase ? r.body : undefined;
  }, `${id} to reach ${phase}`, timeoutMs);
}

/** The version each proxy currently runs in the slot (from its config dump). */
async function versions(): Promise<string[]> {
  return Promise.all(fleet.nodes.map(async (n) => (await (await fetch(`${n.admin}/config_dump`)).json()).slots[0].version as string));
}

beforeAll(async () => {
  redis = await startRedis();
  [upstream, modules] = await Promise.all([startEchoUpstream(), startModuleServer()]);
  server = await startServer({ redisUrl: redis.url, env: { WASMFLEET_SCRAPE_INTERVAL_MS: '500' } });
  [operator, approver] = await Promise.all([mintToken(server, ['operator']), mintToken(server, ['approver'])]);
  fleet = await startProxy(
    ['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--slot', slot, '--xds', server.grpcTarget, '--node-id', 'ratings',
      '--cluster', 'canary-east', '--namespace', 'bookinfo', '--label', 'app=ratings', '--replicas', String(PROXIES), '--warm-timeout-ms', '0'],
    { WASMFLEET_TOKEN: server.token },
    PROXIES,
  );
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await server?.stop();
  await Promise.all([upstream?.close(), modules?.close()]);
  await redis?.stop();
});

describe('a rollout through canary, approval and full rollout', () => {
  it('moves 10% → approval → 50% → 100%, giving the candidate to the right proxies', async () => {
    // Given an operator applies a rollout of add-header
    const spec = rollout('add-header', 'add-header', 'add_header', { header: 'x-version', value: 'v1' }, [
      { proxies: '10%' },
      { approval: { roles: ['approver'], timeout: '1h' } },
      { proxies: '50%' },
      { proxies: '100%' },
    ]);
    const applied = await server.api('POST', '/api/v1/rollouts', spec, operator);
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const id = 'bookinfo/add-header';

    // When validation passes, Then it waits for approval with 10% of the proxies on the candidate
    const waiting = await waitPhase(id, 'AwaitingApproval');
    const seed = waiting.canary.seed as string;
    const expected = fleet.nodes.map((n) => isCandidate(n.node, seed, 0.1));
    expect(expected.filter(Boolean).length, 'some proxies are candidates, some are not').toBeGreaterThan(0);
    expect(expected.filter((c) => !c).length).toBeGreaterThan(0);
    const candidateVersion = `r1.${exampleFilterSha('add-header').slice(0, 12)}`;
    await eventually(async () => {
      const v = await versions();
      return v.every((version, i) => (version === candidateVersion) === expected[i]) ? true : undefined;
    }, 'the 10% candidates to run the candidate');
    const pending = await server.api('GET', '/api/v1/approvals', undefined, approver);
    expect(pending.body.items.map((r: { id: string }) => r.id)).toContain(id);

    // The author cannot approve their own rollout (four-eyes)
    const self = await server.api('POST', `/api/v1/rollouts/${id}/approve`, {}, operator);
    expect(self.status).toBe(403);

    // When the approver approves, Then it goes on to 50% and 100% and succeeds with every proxy on the candidate
    const approved = await server.api('POST', `/api/v1/rollouts/${id}/approve`, { comment: 'looks good' }, approver);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await waitPhase(id, 'Succeeded');
    await eventually(async () => ((await versions()).every((v) => v === candidateVersion) ? true : undefined), 'every proxy on the candidate');
    const res = await fetch(`${fleet.nodes[0]!.listen}/`);
    expect(res.headers.get('x-version')).toBe('v1');

    // And the audit log has the approval with its comment, by the approver
    const audit = await server.api('GET', `/api/v1/audit?rollout=${encodeURIComponent(id)}`, undefined, operator);
    const approval = audit.body.items.find((e: { action: string }) => e.action === 'Approve');
    expect(approval).toMatchObject({ comment: 'looks good' });
  });
});
