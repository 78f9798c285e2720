// Token use cases for admins: mint (the secret is returned once and never stored), list without secrets,
// revoke (refused at once on this replica, within the verifier's cache TTL on the others). Minting and
// revoking are audited (who, when, which token: never its secret), in the same write as the change.
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
      const audit = tokenAudit('TokenCreated', creator, now, record, `token "${record.name}" created with roles ${record.roles.join(', ')}${expiresAt ? `, expires ${expiresAt}` : ''}`);
      if (await this.store.create(record, audit)) return { ...tokenInfoOf(record), token };
    }
    throw new Error('could not draw an unused token id in 3 attempts');
  }

  async list(): Promise<ApiTokenInfo[]> {
    return (await this.store.list()).map(tokenInfoOf);
  }

  /** Idempotent: revoking a revoked token keeps its first revocation time. */
  async revoke(id: string, revoker: Principal): Promise<void> {
    if (!TOKEN_ID_RE.test(id)) throw new TokenNotFoundError(id.slice(0, 64));
    const record = await this.store.get(id);
    if (!record) throw new TokenNotFoundError(id);
    const now = this.now();
    await this.store.revoke(id, now, tokenAudit('TokenRevoked', revoker, now, record, `token "${record.name}" revoked`));
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

/** An audit entry for a token action, shaped like a rollout's (action, actor, at, reason), naming the token. */
function tokenAudit(action: 'TokenCreated' | 'TokenRevoked', actor: Principal, at: Date, record: TokenRecord, message: string): object {
  return {
    action,
    actor: { id: actor.id, roles: [...actor.roles] },
    at: at.toISOString(),
    token: { id: record.id, name: record.name, roles: record.roles, expiresAt: record.expiresAt ?? null },
    reason: { code: action, message },
  };
}
