// Checks an `authorization: Bearer <token>` header against the admin token, in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class BearerTokenVerifier {
  private readonly expected: Buffer;

  constructor(adminToken: string) {
    this.expected = digest(adminToken);
  }

  /** Throws AuthenticationError saying what is wrong; never echoes the presented token. */
  verify(header: string | undefined): void {
    if (!header) throw new AuthenticationError('missing "authorization: Bearer <token>" header');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AuthenticationError('authorization header must be "Bearer <token>"');
    if (!timingSafeEqual(digest(match[1]!), this.expected)) throw new AuthenticationError('invalid bearer token');
  }
}
