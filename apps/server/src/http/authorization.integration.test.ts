// Who may do what, against a real server and Redis: every caller (each role, the bootstrap admin, no token, a
// bad token, a revoked and an expired one) against every endpoint and the ECDS services, with the exact
// answer; then the tokens API itself, revocation across replicas, expiry, and secrets that never leak.
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authMetadata, ecdsClient, StreamProbe, TEC_TYPE_URL } from '../../../../testing/ecds-client.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { slotSpec } from '../../../../testing/slot-fixtures.js';
import { mintTokenInfo, revokeToken, type MintedToken } from '../../../../testing/tokens.js';

const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
const CALLERS = [...ROLES, 'bootstrap', 'none', 'invalid', 'forged', 'revoked', 'expired'] as const;
type Caller = (typeof CALLERS)[number];

const FIXTURE_SLOT = 'wasmfleet.authz.fixture';

let redis: TestRedis;
let server: ServerProcess;
let client: any;
const minted: MintedToken[] = [];
const tokenOf = {} as Record<Caller, string>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  redis = await startRedis();
  // debug logging: the secrets must stay out of the most talkative output too
  server = await startServer({ redisUrl: redis.url, env: { WASMFLEET_LOG_LEVEL: 'debug' } });
  client = ecdsClient(server.grpcTarget);
  expect((await server.api('POST', '/api/v1/slots', { name: FIXTURE_SLOT, spec: slotSpec() })).status).toBe(201);

  for (const role of ROLES) {
    const t = await mintTokenInfo(server, [role], { name: `matrix-${role}` });
    minted.push(t);
    tokenOf[role] = t.token;
  }
  tokenOf.bootstrap = server.token;
  tokenOf.none = '';
  tokenOf.invalid = 'wft_not-a-token-at-all';
  // a real id with a secret of the right shape that is not its secret
  tokenOf.forged = `wft_${minted[3]!.id}_${'A'.repeat(43)}`;
  const revoked = await mintTokenInfo(server, ['admin'], { name: 'matrix-revoked' });
  await revokeToken(server, revoked.id);
  tokenOf.revoked = revoked.token;
  const expired = await mintTokenInfo(server, ['admin'], { name: 'matrix-expired', expiresIn: '1s' });
  tokenOf.expired = expired.token;
  minted.push(revoked, expired);
  await sleep(Date.parse(expired.expiresAt!) - Date.now() + 50);
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

// ---- the REST matrix -------------------------------------------------------------------------------------

let seq = 0;
const fresh = (what: string) => `wasmfleet.authz.${what}-${++seq}`;

interface Endpoint {
  route: string;
  /** Callers answered with `ok`; other authenticated callers get 403, unauthenticated ones 401. */
  allowed: readonly Caller[] | 'everyone';
  ok: number;
  call(token: string): Promise<{ status: number; body: any }>;
  /** After a refused call: nothing was written. */
  unchanged?(): Promise<void>;
}

const READERS: Caller[] = [...ROLES, 'bootstrap'];
const OPERATORS: Caller[] = ['operator', 'admin', 'bootstrap'];
const ADMINS: Caller[] = ['admin', 'bootstrap'];

async function adminCreatesSlot(): Promise<string> {
  const name = fresh('victim');
  expect((await server.api('POST', '/api/v1/slots', { name, spec: slotSpec() })).status).toBe(201);
  return name;
}

const ENDPOINTS: Endpoint[] = [
  { route: 'GET /healthz', allowed: 'everyone', ok: 200, call: (t) => server.api('GET', '/healthz', undefined, t) },
  { route: 'GET /metrics', allowed: ADMINS, ok: 200, call: (t) => server.api('GET', '/metrics', undefined, t) },
  { route: 'GET /api/v1/slots', allowed: READERS, ok: 200, call: (t) => server.api('GET', '/api/v1/slots', undefined, t) },
  { route: 'GET /api/v1/slots/:name', allowed: READERS, ok: 200, call: (t) => server.api('GET', `/api/v1/slots/${FIXTURE_SLOT}`, undefined, t) },
  (() => {
    let name = '';
    return {
      route: 'POST /api/v1/slots',
      allowed: OPERATORS,
      ok: 201,
      call: (t: string) => server.api('POST', '/api/v1/slots', { name: (name = fresh('created')), spec: slotSpec() }, t),
      unchanged: async () => expect((await server.api('GET', `/api/v1/slots/${name}`)).status).toBe(404),
    };
  })(),
  (() => {
    let name = '';
    return {
      route: 'PUT /api/v1/slots/:name',
      allowed: OPERATORS,
      ok: 200,
      call: async (t: string) => {
        name = await adminCreatesSlot();
        return server.api('PUT', `/api/v1/slots/${name}`, { spec: slotSpec({ config: { changed: true } }) }, t);
      },
      unchanged: async () => expect((await server.api('GET', `/api/v1/slots/${name}`)).body.spec.config).not.toEqual({ changed: true }),
    };
  })(),
  (() => {
    let name = '';
    return {
      route: 'DELETE /api/v1/slots/:name',
      allowed: OPERATORS,
      ok: 204,
      call: async (t: string) => {
        name = await adminCreatesSlot();
        return server.api('DELETE', `/api/v1/slots/${name}`, undefined, t);
      },
      unchanged: async () => expect((await server.api('GET', `/api/v1/slots/${name}`)).status).toBe(200),
    };
  })(),
  { route: 'GET /api/v1/nacks', allowed: READERS, ok: 200, call: (t) => server.api('GET', '/api/v1/nacks?cluster=c', undefined, t) },
  (() => {
    let name = '';
    return {
      route: 'POST /api/v1/tokens',
      allowed: ADMINS,
      ok: 201,
      call: (t: string) => server.api('POST', '/api/v1/tokens', { name: (name = fresh('token')), roles: ['admin'] }, t),
      unchanged: async () => {
        const list = await server.api('GET', '/api/v1/tokens');
        expect(list.body.items.map((i: { name: string }) => i.name)).not.toContain(name);
      },
    };
  })(),
  { route: 'GET /api/v1/tokens', allowed: ADMINS, ok: 200, call: (t) => server.api('GET', '/api/v1/tokens', undefined, t) },
  (() => {
    let victim: MintedToken | undefined;
    return {
      route: 'DELETE /api/v1/tokens/:id',
      allowed: ADMINS,
      ok: 204,
      call: async (t: string) => {
        victim = await mintTokenInfo(server, ['viewer']);
        minted.push(victim);
        return server.api('DELETE', `/api/v1/tokens/${victim.id}`, undefined, t);
      },
      unchanged: async () => expect((await server.api('GET', '/api/v1/whoami', undefined, victim!.token)).status).toBe(200),
    };
  })(),
  { route: 'GET /api/v1/whoami', allowed: READERS, ok: 200, call: (t) => server.api('GET', '/api/v1/whoami', undefined, t) },
];

const UNAUTHENTICATED: Partial<Record<Caller, RegExp>> = {
  none: /missing "authorization: Bearer <token>" header/,
  invalid: /^invalid bearer token$/,
  forged: /^invalid bearer token$/,
  revoked: /^bearer token "matrix-revoked" was revoked at .*; ask an admin for a new one$/,
  expired: /^bearer token "matrix-expired" expired at .*; ask an admin for a new one$/,
};

function expectedStatus(e: Endpoint, caller: Caller): number {
  if (e.allowed === 'everyone') return e.ok;
  if (UNAUTHENTICATED[caller]) return 401;
  return e.allowed.includes(caller) ? e.ok : 403;
}

describe.each(ENDPOINTS.map((e) => [e.route, e] as const))('%s', (route, endpoint) => {
  it.each(CALLERS.map((c) => [c, expectedStatus(endpoint, c)] as const))('%s → %i', async (caller, status) => {
    const res = await endpoint.call(tokenOf[caller]);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (status === 401) {
      expect(res.body.error).toBe('unauthenticated');
      expect(res.body.message).toMatch(UNAUTHENTICATED[caller]!);
    }
    if (status === 403) {
      expect(res.body.error).toBe('forbidden');
      const [method, path] = route.split(' ');
      const needed = (endpoint.allowed as Caller[]).includes('operator') ? 'operator' : 'admin';
      expect(res.body.message).toMatch(new RegExp(`^role ${needed} required for ${method} ${path!.replace(/:\w+/, '[^ ]+')} \\(.+\\); you have ${caller}$`));
    }
    if (status >= 400) await endpoint.unchanged?.();
  });
});

// ---- the ECDS matrix -------------------------------------------------------------------------------------

const node = { id: 'authz-proxy', cluster: 'c' };
const metadataOf = (token: string) => (token ? authMetadata(token) : new grpc.Metadata());

/** 'OK' when the slot arrives, else the gRPC status code and details. */
async function ecds(kind: 'sotw' | 'delta' | 'fetch', token: string): Promise<{ code: number; details?: string }> {
  if (kind === 'fetch') {
    return new Promise((resolve) =>
      client.FetchExtensionConfigs({ node, type_url: TEC_TYPE_URL, resource_names: [FIXTURE_SLOT] }, metadataOf(token), (err: any, res: any) =>
        resolve(err ? { code: err.code, details: err.details } : { code: res.resources.length === 1 ? grpc.status.OK : -1 }),
      ),
    );
  }
  const call = kind === 'sotw' ? client.StreamExtensionConfigs(metadataOf(token)) : client.DeltaExtensionConfigs(metadataOf(token));
  const probe = new StreamProbe(call);
  probe.write(
    kind === 'sotw'
      ? { node, type_url: TEC_TYPE_URL, resource_names: [FIXTURE_SLOT] }
      : { node, type_url: TEC_TYPE_URL, resource_names_subscribe: [FIXTURE_SLOT] },
  );
  try {
    const res = await probe.next(1);
    return { code: res.resources.length === 1 ? grpc.status.OK : -1 };
  } catch (err: any) {
    return { code: err.code, details: err.details };
  } finally {
    probe.close();
  }
}

describe.each([['sotw'], ['delta'], ['fetch']] as const)('ECDS %s', (kind) => {
  it.each(CALLERS.map((c) => [c, UNAUTHENTICATED[c] ? grpc.status.UNAUTHENTICATED : grpc.status.OK] as const))(
    '%s → code %i',
    async (caller, code) => {
      const outcome = await ecds(kind, tokenOf[caller]);
      expect(outcome.code, outcome.details).toBe(code);
      if (code !== grpc.status.OK) expect(outcome.details).toMatch(UNAUTHENTICATED[caller]!);
    },
  );
});

// ---- the tokens API ----------------------------------------------------------------------------------------

describe('tokens API', () => {
  it('mints a token shown once, listed without its secret, stored only as a hash', async () => {
    const res = await server.api('POST', '/api/v1/tokens', { name: 'ci-deployer', roles: ['operator', 'approver'], expiresIn: '30d' });
    expect(res.status).toBe(201);
    const created = res.body as MintedToken & Record<string, unknown>;
    minted.push(created);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'ci-deployer',
      roles: ['operator', 'approver'],
      createdBy: 'admin',
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      revokedAt: null,
      token: expect.stringMatching(/^wft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
    });
    const lifetime = Date.parse(created.expiresAt!) - Date.parse(created['createdAt'] as string);
    expect(lifetime).toBe(30 * 86_400_000);
    const secret = created.token.slice(`wft_${created.id}_`.length);

    const list = await server.api('GET', '/api/v1/tokens');
    const listed = list.body.items.find((i: { id: string }) => i.id === created.id);
    const { token: _shownOnce, ...info } = created;
    expect(listed).toEqual(info);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain('secretHash');

    const redisClient = new Redis(redis.url);
    try {
      const stored = await redisClient.hgetall(`wf:token:${created.id}`);
      expect(stored['secretHash']).toBe(createHash('sha256').update(secret).digest('hex'));
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(await redisClient.sismember('wf:tokens', created.id)).toBe(1);
    } finally {
      redisClient.disconnect();
    }
  });

  it('tells each caller who they are', async () => {
    for (const role of ROLES) {
      const t = minted.find((m) => m.name === `matrix-${role}`)!;
      expect((await server.api('GET', '/api/v1/whoami', undefined, t.token)).body).toEqual({ id: t.id, name: `matrix-${role}`, roles: [role] });
    }
    expect((await server.api('GET', '/api/v1/whoami')).body).toEqual({ id: 'admin', name: 'bootstrap admin', roles: ['admin'] });
  });

  it('records which admin created a token', async () => {
    const byApiAdmin = await mintTokenInfo(server, ['viewer'], { as: tokenOf.admin });
    minted.push(byApiAdmin);
    expect(byApiAdmin).toMatchObject({ createdBy: minted.find((m) => m.name === 'matrix-admin')!.id });
  });

  it('takes an absolute expiry, and refuses one in the past', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const ok = await server.api('POST', '/api/v1/tokens', { name: 'until', roles: ['viewer'], expiresAt: at });
    expect(ok.status).toBe(201);
    minted.push(ok.body);
    expect(ok.body.expiresAt).toBe(at);
    const past = await server.api('POST', '/api/v1/tokens', { name: 'past', roles: ['viewer'], expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.problems).toEqual([{ field: 'expiresAt', reason: expect.stringMatching(/future/) }]);
  });

  it.each([
    ['no roles', { name: 'x', roles: [] }, 'roles'],
    ['an unknown role', { name: 'x', roles: ['root'] }, 'roles.0'],
    ['no name', { roles: ['viewer'] }, 'name'],
    ['a bad lifetime', { name: 'x', roles: ['viewer'], expiresIn: 'forever' }, 'expiresIn'],
  ])('answers 400 to %s', async (_what, body, field) => {
    const res = await server.api('POST', '/api/v1/tokens', body);
    expect(res.status).toBe(400);
    expect(res.body.problems.map((p: { field: string }) => p.field)).toContain(field);
  });

  it('answers 404 to revoking an unknown token, and 204 again to revoking a revoked one', async () => {
    expect((await server.api('DELETE', '/api/v1/tokens/0123456789abcdef')).status).toBe(404);
    expect((await server.api('DELETE', '/api/v1/tokens/..%2Fslot')).status).toBe(404);
    const t = await mintTokenInfo(server, ['viewer']);
    minted.push(t);
    await revokeToken(server, t.id);
    const first = (await server.api('GET', '/api/v1/tokens')).body.items.find((i: { id: string }) => i.id === t.id).revokedAt;
    expect(first).toEqual(expect.any(String));
    await revokeToken(server, t.id);
    expect((await server.api('GET', '/api/v1/tokens')).body.items.find((i: { id: string }) => i.id === t.id).revokedAt).toBe(first);
  });

  it('Given an admin token mints and revokes a token, Then the audit log names who, when and which token, once each, never its secret', async () => {
    const admin = await mintTokenInfo(server, ['admin'], { name: 'audit-admin' });
    minted.push(admin);
    const t = await mintTokenInfo(server, ['operator'], { name: 'audited-ci', expiresIn: '1d', as: admin.token });
    minted.push(t);
    await revokeToken(server, t.id, admin.token);
    await revokeToken(server, t.id, admin.token); // changes nothing, so audits nothing

    const res = await server.api('GET', `/api/v1/audit?actor=${admin.id}`);
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((e: { token?: { id: string } }) => e.token?.id === t.id);
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['TokenRevoked', 'TokenCreated']); // newest first
    const [revoked, created] = mine;
    expect(created).toMatchObject({
      actor: { id: admin.id, roles: ['admin'] },
      token: { id: t.id, name: 'audited-ci', roles: ['operator'], expiresAt: t.expiresAt },
      reason: { code: 'TokenCreated', message: `token "audited-ci" created with roles operator, expires ${t.expiresAt}` },
    });
    expect(Date.parse(created.at)).toBeLessThanOrEqual(Date.parse(revoked.at));
    expect(revoked).toMatchObject({ actor: { id: admin.id }, token: { id: t.id, name: 'audited-ci' }, reason: { code: 'TokenRevoked' } });
    expect(JSON.stringify(res.body)).not.toContain(t.token.slice(`wft_${t.id}_`.length));
    expect(JSON.stringify(res.body)).not.toContain('secretHash');
  });
});

// ---- revocation and expiry over time -----------------------------------------------------------------------

describe('revocation', () => {
  it('refuses a token on this replica as soon as it is revoked, even right after a cached use', async () => {
    const t = await mintTokenInfo(server, ['operator']);
    minted.push(t);
    expect((await server.api('GET', '/api/v1/slots', undefined, t.token)).status).toBe(200);
    await revokeToken(server, t.id);
    const res = await server.api('GET', '/api/v1/slots', undefined, t.token);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/was revoked/);
    expect((await ecds('delta', t.token)).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('reaches another replica within the 5 s cache bound', async () => {
    const replica = await startServer({ redisUrl: redis.url, token: server.token });
    try {
      const t = await mintTokenInfo(server, ['viewer']);
      minted.push(t);
      expect((await replica.api('GET', '/api/v1/whoami', undefined, t.token)).status).toBe(200); // cached on the replica
      await revokeToken(server, t.id);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 7_000) {
        status = (await replica.api('GET', '/api/v1/whoami', undefined, t.token)).status;
        if (status === 200) await sleep(100);
      }
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(5_500);
    } finally {
      await replica.stop();
    }
  });
});

describe('expiry', () => {
  it('serves a 1 s token, then refuses it once that second is over', async () => {
    const t = await mintTokenInfo(server, ['viewer'], { expiresIn: '1s' });
    minted.push(t);
    expect((await server.api('GET', '/api/v1/slots', undefined, t.token)).status).toBe(200);
    expect((await ecds('fetch', t.token)).code).toBe(grpc.status.OK);
    await sleep(Date.parse(t.expiresAt!) - Date.now() + 50);
    const res = await server.api('GET', '/api/v1/slots', undefined, t.token);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired at/);
    expect((await ecds('sotw', t.token)).code).toBe(grpc.status.UNAUTHENTICATED);
  });
});

describe('secrets', () => {
  it('never appear in the server output', async () => {
    const out = server.output();
    expect(out).toContain('ready:');
    expect(minted.length).toBeGreaterThan(10);
    for (const t of minted) {
      expect(out).not.toContain(t.token);
      expect(out).not.toContain(t.token.slice(`wft_${t.id}_`.length));
    }
    expect(out).not.toContain(server.token);
  });

  it('left the server running', () => {
    expect(server.child.exitCode).toBeNull();
  });
});
