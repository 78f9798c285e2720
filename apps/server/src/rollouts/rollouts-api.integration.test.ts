// The rollout REST API against a real server and Redis: apply (JSON and YAML), validation errors, idempotent
// re-apply, slot ownership, operator actions, approvals with four-eyes and comments, roles, SSE and webhooks.
// No proxies: waves are assigned whether or not a proxy is connected, and "in flight" rollouts sit in a wave
// with a long analysis window (inconclusive measurements without traffic never move it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, exampleFilterSha, startModuleServer, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import {
  auditOf,
  expectedSignature,
  openSse,
  rolloutBody,
  startWebhookReceiver,
  waitPhase,
  type ExampleFilter,
  type WebhookReceiver,
} from '../../../../testing/rollout-fixtures.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { mintTokenInfo, type MintedToken } from '../../../../testing/tokens.js';

const SECRET = 'api-test-webhook-secret-0123456789';
let redis: TestRedis;
let modules: TestHttpServer;
let hooks: WebhookReceiver;
let server: ServerProcess;
let operator: MintedToken;
/** Operator and approver at once: four-eyes, not a missing role, must stop them approving their own revision. */
let author: MintedToken;
let approver: MintedToken;
let viewer: MintedToken;

const body = (name: string, steps: unknown[], filter: ExampleFilter = 'add-header', config: unknown = {}) =>
  rolloutBody({ name, namespace: 'api', modulesUrl: modules.url, filter, config, steps });
/** A wave that stays in flight: its analysis window outlasts the test. */
const IN_FLIGHT = [{ proxies: '10%', analysis: { duration: '1h' } }];
const apply = (spec: unknown, who: MintedToken = operator) => server.api('POST', '/api/v1/rollouts', spec, who.token);
const act = (id: string, action: string, payload: unknown = {}, who: MintedToken = operator) =>
  server.api('POST', `/api/v1/rollouts/${id}/${action}`, payload, who.token);
const phase = (id: string, p: string | string[], timeoutMs?: number) => waitPhase(() => server, id, p, operator.token, timeoutMs);

beforeAll(async () => {
  [redis, modules, hooks] = await Promise.all([startRedis(), startModuleServer(), startWebhookReceiver()]);
  server = await startServer({ redisUrl: redis.url, env: { WASMFLEET_WEBHOOKS: hooks.url, WASMFLEET_WEBHOOK_SECRET: SECRET } });
  [operator, author, approver, viewer] = await Promise.all([
    mintTokenInfo(server, ['operator']),
    mintTokenInfo(server, ['operator', 'approver']),
    mintTokenInfo(server, ['approver']),
    mintTokenInfo(server, ['viewer']),
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await Promise.all([modules?.close(), hooks?.close()]);
  await redis?.stop();
});

describe('applying rollouts', () => {
  it('Given a WasmRollout in YAML, When it is POSTed as application/yaml, Then it is created as revision 1 and runs to success', async () => {
    const yaml = [
      'apiVersion: wasmfleet.io/v1alpha1',
      'kind: WasmRollout',
      'metadata: { name: from-yaml, namespace: api }',
      'spec:',
      '  filter:',
      `    image: ${modules.url}/add-header.wasm`,
      `    sha256: ${exampleFilterSha('add-header')}`,
      '    rootId: add_header',
      '    config: { header: x-from, value: yaml }',
      '  target:',
      '    clusters: { names: [canary-east] }',
      '  strategy:',
      '    steps:',
      '      - proxies: 100%',
    ].join('\n');
    const res = await fetch(`${server.http}/api/v1/rollouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator.token}`, 'content-type': 'application/yaml' },
      body: yaml,
    });
    const created = await res.json();
    expect(res.status, JSON.stringify(created)).toBe(201);
    expect(created).toMatchObject({ id: 'api/from-yaml', revision: 1, slot: 'wasmfleet.api.from-yaml', createdBy: operator.id });
    await phase('api/from-yaml', 'Succeeded');
    const history = await server.api('GET', '/api/v1/rollouts/api/from-yaml/history', undefined, viewer.token);
    expect(history.body.items[0].spec.spec.filter.config).toEqual({ header: 'x-from', value: 'yaml' });
  });

  it('Given an invalid spec, When it is applied, Then it is refused with 400 naming the field, and nothing is created', async () => {
    const json = await apply(body('bad-json', [{ proxies: '150%' }]));
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    expect(json.body.problems).toEqual([expect.objectContaining({ field: 'spec.strategy.steps.0.proxies' })]);

    const withoutSha = body('bad-sha', [{ proxies: '100%' }]);
    delete (withoutSha.spec.filter as { sha256?: string }).sha256;
    const sha = await apply(withoutSha);
    expect(sha.status).toBe(400);
    expect(sha.body.problems.map((p: { field: string }) => p.field)).toContain('spec.filter.sha256');

    expect((await server.api('GET', '/api/v1/rollouts/api/bad-json', undefined, viewer.token)).status).toBe(404);
  });

  it('Given an applied spec, When the same spec is applied again, Then nothing changes (same revision), and a changed spec makes revision 2', async () => {
    const spec = body('twice', IN_FLIGHT);
    const first = await apply(spec);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await phase('api/twice', 'Progressing');
    const before = await server.api('GET', '/api/v1/rollouts/api/twice', undefined, viewer.token);

    const again = await apply(spec);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ revision: 1, latestRevision: 1, version: before.body.version, phase: 'Progressing' });
    expect((await auditOf(server, 'api/twice', operator.token)).filter((e) => e.action === 'Applied')).toHaveLength(1);

    const changed = await apply(body('twice', IN_FLIGHT, 'add-header', { value: 'changed' }));
    expect(changed.body.revision).toBe(2);
  });

  it('Given a rollout in flight holds a slot, When another rollout targets that slot, Then it gets 409 slot_busy until the holder ends', async () => {
    const slot = 'wasmfleet.api.shared';
    const holder = body('holder', IN_FLIGHT);
    holder.spec.filter = { ...holder.spec.filter, slot };
    expect((await apply(holder)).status).toBe(201);
    await phase('api/holder', 'Progressing');

    const contender = body('contender', [{ proxies: '100%' }]);
    contender.spec.filter = { ...contender.spec.filter, slot };
    const busy = await apply(contender);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toBe('slot_busy');
    expect(busy.body.message).toContain('api/holder');

    expect((await act('api/holder', 'abort')).body.phase).toBe('Aborted');
    const taken = await apply(contender);
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    expect(taken.body.slot).toBe(slot);
  });
});

describe('operator actions', () => {
  it('Given a rollout in flight, When it is paused, resumed and aborted, Then each transition happens, is audited, and a wrong one is 409', async () => {
    const id = 'api/ops';
    expect((await apply(body('ops', IN_FLIGHT))).status).toBe(201);
    await phase(id, 'Progressing');

    const paused = await act(id, 'pause', { comment: 'looking' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ phase: 'Paused', reason: { code: 'PausedByUser', message: `paused by ${operator.id}` } });
    const twice = await act(id, 'pause');
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('invalid_transition');

    expect((await act(id, 'resume')).body.phase).toBe('Progressing');
    const aborted = await act(id, 'abort');
    expect(aborted.body).toMatchObject({ phase: 'Aborted', reason: { code: 'Aborted' } });
    expect((await act(id, 'resume')).status).toBe(409);

    const audit = await auditOf(server, id, operator.token);
    const actions = audit.filter((e) => e.actor !== 'system');
    expect(actions.map((e) => [e.action, e.before.phase, e.after.phase])).toEqual([
      ['Applied', 'Pending', 'Validating'],
      ['Pause', 'Progressing', 'Paused'],
      ['Resume', 'Paused', 'Progressing'],
      ['Abort', 'Progressing', 'Aborted'],
    ]);
    expect(actions.every((e) => e.actor !== 'system' && e.actor.id === operator.id)).toBe(true);
    expect(actions[1]!.comment).toBe('looking');
  });

  it('Given revisions 1 and 2 succeeded and 3 is in flight, When it is rolled back {toRevision: 1}, Then revision 1 is stable again', async () => {
    const id = 'api/history';
    for (const value of ['v1', 'v2']) {
      expect((await apply(body('history', [{ proxies: '100%' }], 'add-header', { value }))).status).toBe(201);
      await phase(id, 'Succeeded');
    }
    expect((await apply(body('history', IN_FLIGHT, 'c-add-header'))).body.revision).toBe(3);
    await phase(id, 'Progressing');

    const zero = await act(id, 'rollback', { toRevision: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.problems[0].field).toBe('toRevision');
    const unknown = await act(id, 'rollback', { toRevision: 7 });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error).toBe('unknown_revision');

    const rolledBack = await act(id, 'rollback', { toRevision: 1 });
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    expect(rolledBack.body).toMatchObject({
      phase: 'RolledBack',
      reason: { code: 'RolledBack', message: `rolled back to revision 1 by ${operator.id}` },
      stable: { revision: 1, sha256: exampleFilterSha('add-header') },
      canary: { waves: [] },
    });
  });
});

describe('approvals and roles', () => {
  it('Given a gate requiring a comment, Then the author may not approve (403 four_eyes), no comment is 400, viewer and approver may not operate, and an approval with a comment passes', async () => {
    const id = 'api/gated';
    const gated = body('gated', [{ approval: { roles: ['approver'], timeout: '1h', requireComment: true } }, { proxies: '100%' }]);
    expect((await apply(gated, author)).status).toBe(201);
    await phase(id, 'AwaitingApproval');
    const pending = await server.api('GET', '/api/v1/approvals', undefined, viewer.token);
    expect(pending.body.items.find((r: { id: string }) => r.id === id)?.approval).toMatchObject({ roles: ['approver'], requireComment: true });

    const self = await act(id, 'approve', { comment: 'mine' }, author);
    expect([self.status, self.body.error]).toEqual([403, 'four_eyes']);
    const bare = await act(id, 'approve', {}, approver);
    expect([bare.status, bare.body.error]).toEqual([400, 'comment_required']);
    expect((await act(id, 'approve', { comment: 'x' }, viewer)).status).toBe(403);
    expect((await act(id, 'pause', {}, viewer)).status).toBe(403);
    expect((await act(id, 'promote-full', {}, viewer)).status).toBe(403);
    const approverPause = await act(id, 'pause', {}, approver);
    expect([approverPause.status, approverPause.body.error]).toEqual([403, 'forbidden']);
    expect((await apply(body('by-viewer', IN_FLIGHT), viewer)).status).toBe(403);
    expect((await phase(id, 'AwaitingApproval')).approval.stepIndex).toBe(0);

    const ok = await act(id, 'approve', { comment: 'LGTM' }, approver);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await phase(id, 'Succeeded');
    const approvals = (await auditOf(server, id, operator.token)).filter((e) => e.action === 'Approve');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ comment: 'LGTM', actor: { id: approver.id } });
  });

  it('Given a canary waiting for approval, When the approver rejects it, Then it is rolled back with the rejection and comment as reason', async () => {
    const id = 'api/rejected';
    expect((await apply(body('rejected', [{ proxies: '10%' }, { approval: { roles: ['approver'] } }, { proxies: '100%' }]))).status).toBe(201);
    expect((await phase(id, 'AwaitingApproval')).canary.share).toBe(0.1);
    const rejected = await act(id, 'reject', { comment: 'not today' }, approver);
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body.phase).toBe('RolledBack');
    expect(rejected.body.reason.code).toBe('Rejected');
    expect(rejected.body.message).toContain(`rejected by ${approver.id}: not today`);
    expect(rejected.body.canary.waves).toEqual([]);
  });
});

describe('live updates', () => {
  it('Given a viewer follows /api/v1/events, When a rollout changes, Then a rollout event with its new state arrives', async () => {
    const stream = await openSse(server, viewer.token);
    try {
      expect((await apply(body('streamed', [{ proxies: '100%' }]))).status).toBe(201);
      const event = await stream.waitFor((e) => e.event === 'rollout' && JSON.parse(e.data).id === 'api/streamed' && JSON.parse(e.data).phase === 'Succeeded');
      expect(JSON.parse(event.data)).toMatchObject({ revision: 1, stable: { revision: 1, sha256: exampleFilterSha('add-header') } });
    } finally {
      stream.close();
    }
  });

  it('Given a webhook with a secret, When a rollout starts and succeeds, Then the receiver gets started and succeeded, each signed with HMAC-SHA256 of the body', async () => {
    expect((await apply(body('hooked', [{ proxies: '100%' }]))).status).toBe(201);
    await phase('api/hooked', 'Succeeded');
    const mine = () => hooks.deliveries.filter((d) => d.json?.rolloutId === 'api/hooked');
    await eventually(async () => (['started', 'succeeded'].every((e) => mine().some((d) => d.json.event === e)) ? true : undefined), 'started and succeeded webhooks');
    for (const d of mine()) {
      expect(d.headers['x-wasmfleet-signature'], d.json.event).toBe(expectedSignature(SECRET, d.body));
      expect(d.headers['x-wasmfleet-event']).toBe(d.json.event);
      expect(d.json.revision).toBe(1);
    }
    expect(mine().find((d) => d.json.event === 'succeeded')!.json.reason.code).toBe('Succeeded');
    expect(expectedSignature('another-secret-0123456789', mine()[0]!.body)).not.toBe(mine()[0]!.headers['x-wasmfleet-signature']);
  });
});
