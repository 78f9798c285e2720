// The verifier with a fake token store and clock: who a header belongs to, what is refused and why, and how
// long a cached verification may outlive a revocation.
import { describe, expect, it } from 'vitest';
import { generateApiToken, hashSecret } from './api-token.js';
import { AuthenticationError } from './auth-errors.js';
import { BearerTokenVerifier } from './bearer-token.js';
import { BOOTSTRAP_ADMIN } from './principal.js';
import type { Role } from './roles.js';
import type { TokenRecord } from './token-store.js';

const ADMIN = 'bootstrap-admin-token-0123456789';
const T0 = Date.parse('2030-01-01T00:00:00Z');

class FakeStore {
  readonly records = new Map<string, TokenRecord>();
  reads = 0;
  get = async (id: string) => {
    this.reads++;
    const record = this.records.get(id); // read now, answered a turn later, like Redis
    const copy = record && { ...record };
    await new Promise((r) => setImmediate(r));
    return copy;
  };
}

function fixture(ttl = 5_000) {
  const store = new FakeStore();
  const clock = { now: T0 };
  const verifier = new BearerTokenVerifier({ adminToken: ADMIN, tokens: store, cacheTtlMs: ttl, now: () => clock.now });
  const mint = (roles: Role[], extra: Partial<TokenRecord> = {}) => {
    const { id, secret, token } = generateApiToken();
    store.records.set(id, { id, name: `ci-${roles.join('-')}`, roles, createdBy: 'admin', createdAt: new Date(T0).toISOString(), secretHash: hashSecret(secret), ...extra });
    return { id, token, header: `Bearer ${token}` };
  };
  return { store, clock, verifier, mint };
}

async function refusal(p: Promise<unknown>): Promise<AuthenticationError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AuthenticationError);
  return err as AuthenticationError;
}

describe('BearerTokenVerifier', () => {
  it('knows the bootstrap admin without asking the store', async () => {
    const { verifier, store } = fixture();
    expect(await verifier.verify(`Bearer ${ADMIN}`)).toEqual(BOOTSTRAP_ADMIN);
    expect(store.reads).toBe(0);
  });

  it('turns an API token into its principal', async () => {
    const { verifier, mint } = fixture();
    const t = mint(['operator', 'approver']);
    expect(await verifier.verify(t.header)).toEqual({ id: t.id, name: 'ci-operator-approver', roles: ['operator', 'approver'] });
  });

  it.each([
    ['no header', undefined, /missing/],
    ['a malformed header', 'Token abc', /must be "Bearer <token>"/],
    ['a wrong admin token', `Bearer ${ADMIN}x`, /^invalid bearer token$/],
    ['an unknown API token', `Bearer ${generateApiToken().token}`, /^invalid bearer token$/],
  ])('refuses %s, saying so', async (_what, header, message) => {
    const { verifier } = fixture();
    expect((await refusal(verifier.verify(header))).message).toMatch(message);
  });

  it('refuses a known id with a wrong secret exactly like an unknown id, and caches nothing for it', async () => {
    const { verifier, mint, store } = fixture();
    const t = mint(['viewer']);
    const forged = `Bearer wft_${t.id}_${generateApiToken().secret}`;
    expect((await refusal(verifier.verify(forged))).message).toBe('invalid bearer token');
    await verifier.verify(t.header); // cached now
    const reads = store.reads;
    expect((await refusal(verifier.verify(forged))).message).toBe('invalid bearer token');
    expect(store.reads).toBe(reads + 1);
  });

  it('refuses a revoked token, naming it and when, never echoing the token', async () => {
    const { verifier, mint } = fixture();
    const t = mint(['viewer'], { revokedAt: '2029-12-31T00:00:00.000Z' });
    const err = await refusal(verifier.verify(t.header));
    expect(err.message).toBe('bearer token "ci-viewer" was revoked at 2029-12-31T00:00:00.000Z; ask an admin for a new one');
    expect(err.message).not.toContain(t.token.slice(4));
  });

  it('refuses an expired token, even from the cache, to the millisecond', async () => {
    const { verifier, mint, clock } = fixture(60_000);
    const t = mint(['viewer'], { expiresAt: new Date(T0 + 1_000).toISOString() });
    await verifier.verify(t.header);
    clock.now = T0 + 999;
    await verifier.verify(t.header);
    clock.now = T0 + 1_000;
    expect((await refusal(verifier.verify(t.header))).message).toMatch(/^bearer token "ci-viewer" expired at 2030-01-01T00:00:01.000Z/);
  });

  it('caches a verification for the TTL: a revoke written elsewhere is seen once it runs out', async () => {
    const { verifier, mint, store, clock } = fixture(5_000);
    const t = mint(['viewer']);
    await verifier.verify(t.header);
    store.records.get(t.id)!.revokedAt = new Date(T0 + 100).toISOString(); // revoked through another replica
    clock.now = T0 + 4_999;
    await verifier.verify(t.header); // still cached
    expect(store.reads).toBe(1);
    clock.now = T0 + 5_000;
    await refusal(verifier.verify(t.header));
  });

  it('forgets a token revoked here at once', async () => {
    const { verifier, mint, store } = fixture();
    const t = mint(['viewer']);
    const other = mint(['viewer']);
    await verifier.verify(t.header);
    await verifier.verify(other.header);
    store.records.get(t.id)!.revokedAt = new Date(T0).toISOString();
    verifier.forget(t.id);
    await refusal(verifier.verify(t.header));
    const reads = store.reads;
    await verifier.verify(other.header); // the other token stays cached
    expect(store.reads).toBe(reads);
  });

  it('does not cache a read that was under way when the token was revoked here', async () => {
    const { verifier, mint, store } = fixture();
    const t = mint(['viewer']);
    const before = verifier.verify(t.header); // reads the record before the revoke lands
    store.records.get(t.id)!.revokedAt = new Date(T0).toISOString();
    verifier.forget(t.id);
    expect((await before).id).toBe(t.id); // began before the revoke: passes
    await refusal(verifier.verify(t.header));
  });

  it('reads the store once for many concurrent first uses of one token', async () => {
    const { verifier, mint, store } = fixture();
    const t = mint(['viewer']);
    await Promise.all(Array.from({ length: 50 }, () => verifier.verify(t.header)));
    expect(store.reads).toBe(1);
  });

  it('keeps at most maxCached verifications', async () => {
    const store = new FakeStore();
    const verifier = new BearerTokenVerifier({ adminToken: ADMIN, tokens: store, maxCached: 2, now: () => T0 });
    const headers = Array.from({ length: 3 }, (_, i) => {
      const { id, secret, token } = generateApiToken();
      store.records.set(id, { id, name: `t${i}`, roles: ['viewer'], createdBy: 'admin', createdAt: '', secretHash: hashSecret(secret) });
      return `Bearer ${token}`;
    });
    for (const h of headers) await verifier.verify(h);
    expect(store.reads).toBe(3);
    await verifier.verify(headers[2]!);
    await verifier.verify(headers[1]!);
    expect(store.reads).toBe(3);
    await verifier.verify(headers[0]!); // the oldest was dropped
    expect(store.reads).toBe(4);
  });
});
