// Token use cases for admins: mint (the secret is returned once and never stored), list without secrets,
// revoke (refused at once on this replica, within the verifier's cache TTL on the others).
import {
  CreateTokenRequestSchema,
  MAX_TOKEN_LIFETIME_SECONDS,
  parseOrThrow,
  ValidationError,
  type ApiTokenInfo,
  type CreatedApiToken,
} from '@wasmfleet/api';
import { generateApiToken, hashSecret, TOKEN_ID_RE } from './api-token.js';
import { TokenNotFoundError } from './auth-errors.js';
import type { Principal } from './principal.js';
import type { TokenRecord, TokenStore } from './token-store.js';

export interface TokenCacheInvalidation {
  forget(tokenId: string): void;
}

export function tokenInfoOf(record: TokenRecord): ApiTokenInfo {
  return {
    id: record.id,
    name: record.name,
    roles: record.roles,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt ?? null,
    revokedAt: record.revokedAt ?? null,
  };
}

export class TokenService {
  constructor(
    private readonly store: TokenStore,
    private readonly cache: TokenCacheInvalidation,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(body: unknown, creator: Principal): Promise<CreatedApiToken> {
    const req = parseOrThrow(CreateTokenRequestSchema, body);
    const now = this.now();
    const expiresAt = this.expiryOf(req.expiresIn, req.expiresAt, now);
    // 64-bit ids collide about never; the store refuses a taken id rather than overwrite it, so draw again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { id, secret, token } = generateApiToken();
      const record: TokenRecord = {
        id,
        name: req.name,
        roles: req.roles,
        createdBy: creator.id,
        createdAt: now.toISOString(),
        ...(expiresAt && { expiresAt }),
        secretHash: hashSecret(secret),
      };
      if (await this.store.create(record)) return { ...tokenInfoOf(record), token };
    }
    throw new Error('could not draw an unused token id in 3 attempts');
  }

  async list(): Promise<ApiTokenInfo[]> {
    return (await this.store.list()).map(tokenInfoOf);
  }

  /** Idempotent: revoking a revoked token keeps its first revocation time. */
  async revoke(id: string): Promise<void> {
    if (!TOKEN_ID_RE.test(id)) throw new TokenNotFoundError(id.slice(0, 64));
    await this.store.revoke(id, this.now());
    this.cache.forget(id);
  }

  private expiryOf(expiresIn: number | undefined, expiresAt: string | undefined, now: Date): string | undefined {
    if (expiresIn !== undefined) return new Date(now.getTime() + expiresIn * 1000).toISOString();
    if (expiresAt === undefined) return undefined;
    const at = new Date(expiresAt);
    if (at.getTime() <= now.getTime()) {
      throw new ValidationError([{ field: 'expiresAt', reason: `must lie in the future (it is now ${now.toISOString()})` }]);
    }
    if (at.getTime() - now.getTime() > MAX_TOKEN_LIFETIME_SECONDS * 1000) {
      throw new ValidationError([{ field: 'expiresAt', reason: `must be at most ${MAX_TOKEN_LIFETIME_SECONDS / 86_400} days from now` }]);
    }
    return at.toISOString();
  }
}
