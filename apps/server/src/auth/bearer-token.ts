// Turns an `authorization: Bearer <token>` header into a Principal: the bootstrap admin token (compared in
// constant time), or an API token checked against its stored hash, expiry and revocation.
//
// Verified tokens are cached in memory for `cacheTtlMs` (5 s by default) so that REST calls and ECDS streams do
// not each cost a Redis round trip. The bound that follows: a revoked token is refused at once by the replica
// that revoked it (its cache entry is dropped), and by every other replica within cacheTtlMs. Expiry is
// checked on every call, cached or not, so it is exact. Failures are never cached.
import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerTokenOf, parseApiToken, secretMatches } from './api-token.js';
import { AuthenticationError } from './auth-errors.js';
import { BOOTSTRAP_ADMIN, type Principal } from './principal.js';
import type { TokenRecord } from './token-store.js';

export { AuthenticationError } from './auth-errors.js';

export const DEFAULT_TOKEN_CACHE_TTL_MS = 5_000;

export interface TokenLookup {
  get(id: string): Promise<TokenRecord | undefined>;
}

export interface BearerTokenVerifierOptions {
  adminToken: string;
  tokens: TokenLookup;
  cacheTtlMs?: number;
  /** Entries beyond this drop the oldest; a bound against a flood of distinct valid tokens. */
  maxCached?: number;
  now?: () => number;
}

interface CacheEntry {
  principal: Principal;
  tokenId: string;
  expiresAtMs: number | undefined;
  expiresAtText: string | undefined;
  cachedUntil: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class BearerTokenVerifier {
  private readonly admin: Buffer;
  private readonly tokens: TokenLookup;
  private readonly ttlMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;
  /** Keyed by the sha256 of the whole presented token, so a wrong secret never hits an entry. */
  private readonly cache = new Map<string, CacheEntry>();
  /** One Redis read per token at a time, however many streams reconnect with it at once. */
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  /** Bumped by forget(): a read that started before a revoke must not cache what it read. */
  private generation = 0;

  constructor(opts: BearerTokenVerifierOptions) {
    this.admin = digest(opts.adminToken);
    this.tokens = opts.tokens;
    this.ttlMs = opts.cacheTtlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
    this.maxCached = opts.maxCached ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The caller's principal; throws AuthenticationError saying what is wrong, never echoing the token. */
  async verify(header: string | undefined): Promise<Principal> {
    const bearer = bearerTokenOf(header);
    if ('problem' in bearer) throw new AuthenticationError(bearer.problem);
    const presented = digest(bearer.token);
    if (timingSafeEqual(presented, this.admin)) return BOOTSTRAP_ADMIN;
    const parsed = parseApiToken(bearer.token);
    if (!parsed) throw new AuthenticationError('invalid bearer token');

    const key = presented.toString('hex');
    const now = this.now();
    let entry = this.cache.get(key);
    if (!entry || entry.cachedUntil <= now) {
      if (entry) this.cache.delete(key);
      let pending = this.inflight.get(key);
      if (!pending) {
        const started = this.load(key, parsed.id, parsed.secret);
        pending = started;
        this.inflight.set(key, started);
        void started.then(
          () => this.inflight.get(key) === started && this.inflight.delete(key),
          () => this.inflight.get(key) === started && this.inflight.delete(key),
        );
      }
      entry = await pending;
    }
    if (entry.expiresAtMs !== undefined && entry.expiresAtMs <= this.now()) {
      throw new AuthenticationError(`bearer token "${entry.principal.name}" expired at ${entry.expiresAtText}; ask an admin for a new one`);
    }
    return entry.principal;
  }

  /** Drops cached verifications of a token (after it is revoked here). */
  forget(tokenId: string): void {
    this.generation++;
    this.inflight.clear(); // later callers read afresh instead of joining a read from before the revoke
    for (const [key, entry] of this.cache) if (entry.tokenId === tokenId) this.cache.delete(key);
  }

  private async load(key: string, id: string, secret: string): Promise<CacheEntry> {
    // The entry may live until ttl after the read began: a revoke written after that is seen by the next read.
    const readAt = this.now();
    const generation = this.generation;
    const record = await this.tokens.get(id);
    // Unknown id and wrong secret read the same, so ids cannot be probed.
    if (!record || !secretMatches(secret, record.secretHash)) throw new AuthenticationError('invalid bearer token');
    if (record.revokedAt) {
      throw new AuthenticationError(`bearer token "${record.name}" was revoked at ${record.revokedAt}; ask an admin for a new one`);
    }
    const entry: CacheEntry = {
      principal: Object.freeze({ id: record.id, name: record.name, roles: [...record.roles] }),
      tokenId: id,
      expiresAtMs: record.expiresAt ? Date.parse(record.expiresAt) : undefined,
      expiresAtText: record.expiresAt,
      cachedUntil: readAt + this.ttlMs,
    };
    if (generation === this.generation) {
      if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, entry);
    }
    return entry;
  }
}
