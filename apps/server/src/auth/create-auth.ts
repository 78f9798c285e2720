// Builds identity and access from one Redis connection: the token store, the verifier that caches in front
// of it, and the admin use cases that invalidate that cache. The composition root calls only this.
import type { Redis } from 'ioredis';
import { BearerTokenVerifier } from './bearer-token.js';
import { TokenService } from './token-service.js';
import { TokenStore } from './token-store.js';

export interface Auth {
  verifier: BearerTokenVerifier;
  tokens: TokenService;
}

/** `onRevoked`: told after a revoke on this replica (and the verifier's cache entry dropped), e.g. to end streams. */
export function createAuth(redis: Redis, prefix: string, adminToken: string, onRevoked: (tokenId: string) => void = () => undefined): Auth {
  const store = new TokenStore(redis, prefix);
  const verifier = new BearerTokenVerifier({ adminToken, tokens: store });
  const forget = (tokenId: string) => {
    verifier.forget(tokenId);
    onRevoked(tokenId);
  };
  return { verifier, tokens: new TokenService(store, { forget }) };
}
