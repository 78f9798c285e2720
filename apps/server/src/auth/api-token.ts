// The API token format: `wft_<id>_<secret>`. The id (16 hex) names the stored record and may appear in lists
// and audit entries; the secret (256 random bits, base64url) is shown once at creation and only its sha256 is
// stored. A plain sha256 suffices (no scrypt) because the secret is random, not a password: there is nothing
// to guess, and every REST call and gRPC stream verifies it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'wft_';
const TOKEN_RE = /^wft_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const TOKEN_ID_RE = /^[0-9a-f]{16}$/;

export interface ParsedApiToken {
  id: string;
  secret: string;
}

export function generateApiToken(): ParsedApiToken & { token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${API_TOKEN_PREFIX}${id}_${secret}` };
}

/** Splits a presented token; undefined when it is not of our format (say, a typo or the admin token). */
export function parseApiToken(token: string): ParsedApiToken | undefined {
  const match = TOKEN_RE.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** What the store keeps of a secret: its sha256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Pulls the token out of an `authorization: Bearer <token>` header; never echoes it in an error. */
export function bearerTokenOf(header: string | undefined): { token: string } | { problem: string } {
  if (!header) return { problem: 'missing "authorization: Bearer <token>" header' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return { problem: 'authorization header must be "Bearer <token>"' };
  return { token: match[1]! };
}
