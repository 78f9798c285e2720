// The slots REST API against a real server and Redis: CRUD, authentication, and bad input that loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { SHA_A, slotSpec } from '../../../../testing/slot-fixtures.js';

let redis: TestRedis;
let server: ServerProcess;

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer({ redisUrl: redis.url });
});

afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

describe('slots CRUD', () => {
  it('creates, reads, lists, updates and deletes a slot, versioning every write', async () => {
    const name = 'wasmfleet.bookinfo.crud';
    const created = await server.api('POST', '/api/v1/slots', { name, spec: slotSpec() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, spec: { rootId: 'add_header', failurePolicy: 'FAIL_OPEN', runtime: 'envoy.wasm.runtime.v8' } });

    const read = await server.api('GET', `/api/v1/slots/${name}`);
    expect(read.body).toEqual(created.body);
    const list = await server.api('GET', '/api/v1/slots');
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain(name);

    const updated = await server.api('PUT', `/api/v1/slots/${name}`, { spec: slotSpec({ config: { v: 2 } }), expectedVersion: created.body.version });
    expect(updated.status).toBe(200);
    expect(updated.body.version).not.toBe(created.body.version);
    expect(updated.body.createdAt).toBe(created.body.createdAt);
    expect(updated.body.spec.config).toEqual({ v: 2 });

    expect((await server.api('DELETE', `/api/v1/slots/${name}`)).status).toBe(204);
    expect((await server.api('GET', `/api/v1/slots/${name}`)).status).toBe(404);
  });

  it('answers 409 to a second create and to an update against a stale version', async () => {
    const name = 'wasmfleet.bookinfo.conflict';
    const first = await server.api('POST', '/api/v1/slots', { name, spec: slotSpec() });
    const again = await server.api('POST', '/api/v1/slots', { name, spec: slotSpec() });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already_exists');
    await server.api('PUT', `/api/v1/slots/${name}`, { spec: slotSpec({ config: { n: 1 } }) });
    const stale = await server.api('PUT', `/api/v1/slots/${name}`, { spec: slotSpec({ config: { n: 2 } }), expectedVersion: first.body.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toBe('version_conflict');
    expect((await server.api('GET', `/api/v1/slots/${name}`)).body.spec.config).toEqual({ n: 1 });
  });

  it('answers 404 to updating or deleting a slot that does not exist', async () => {
    expect((await server.api('PUT', '/api/v1/slots/nope', { spec: slotSpec() })).status).toBe(404);
    expect((await server.api('DELETE', '/api/v1/slots/nope')).status).toBe(404);
  });
});

describe('authentication', () => {
  it.each([
    ['no token', ''],
    ['a wrong token', 'wrong-token-wrong-token'],
  ])('answers 401 with %s on every API route', async (_what, token) => {
    for (const [method, path] of [['GET', '/api/v1/slots'], ['POST', '/api/v1/slots'], ['GET', '/api/v1/nacks'], ['GET', '/metrics']] as const) {
      const res = await server.api(method, path, method === 'POST' ? { name: 'x', spec: slotSpec() } : undefined, token);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
    expect((await server.api('GET', '/api/v1/slots/x')).status).toBe(404); // the slot was not created
  });

  it('serves /healthz without a token', async () => {
    const res = await fetch(`${server.http}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('bad input gets 400 naming the field, and nothing is written', () => {
  const big = { blob: 'x'.repeat(70 * 1024) };
  it.each([
    ['a bad sha256', { module: { url: 'http://127.0.0.1/m.wasm', sha256: 'abc123' } }, 'spec.module.sha256', /64 lowercase hex/],
    ['a remote module without sha256', { module: { url: 'http://127.0.0.1/m.wasm' } }, 'spec.module.sha256', /required/],
    ['an unknown failure policy', { failurePolicy: 'FAIL_SOMETIMES' }, 'spec.failurePolicy', /FAIL_CLOSED/],
    ['a non-http module URL', { module: { url: 'file:///etc/passwd', sha256: SHA_A } }, 'spec.module.url', /http/],
    ['a module URL that is not a URL', { module: { url: 'not a url', sha256: SHA_A } }, 'spec.module.url', /not a URL/],
    ['an oversized config', { config: big }, 'spec.config', /limit is 65536/],
    ['an unknown field', { colour: 'red' }, 'spec', /colour/],
  ])('%s', async (_what, override, field, reason) => {
    const name = `wasmfleet.bad.${field.replace(/\W/g, '-')}`;
    const res = await server.api('POST', '/api/v1/slots', { name, spec: slotSpec(override) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    const problem = res.body.problems.find((p: { field: string }) => p.field === field);
    expect(problem, JSON.stringify(res.body.problems)).toBeDefined();
    expect(problem.reason).toMatch(reason);
    expect((await server.api('GET', `/api/v1/slots/${name}`)).status).toBe(404);
  });

  it('refuses a bad slot name', async () => {
    const res = await server.api('POST', '/api/v1/slots', { name: '../etc', spec: slotSpec() });
    expect(res.status).toBe(400);
    expect(res.body.problems[0].field).toBe('name');
  });

  it('refuses a body that is not JSON', async () => {
    const res = await server.api('POST', '/api/v1/slots', '{"name": ');
    expect(res.status).toBe(400);
  });

  it('keeps the previous spec when an update is invalid', async () => {
    const name = 'wasmfleet.bookinfo.keep';
    await server.api('POST', '/api/v1/slots', { name, spec: slotSpec({ config: { keep: true } }) });
    const res = await server.api('PUT', `/api/v1/slots/${name}`, { spec: slotSpec({ failurePolicy: 'NEVER' }) });
    expect(res.status).toBe(400);
    const after = await server.api('GET', `/api/v1/slots/${name}`);
    expect(after.body.spec.config).toEqual({ keep: true });
  });

  it('does not crash on any of it', async () => {
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
  });
});
