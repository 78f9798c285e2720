// Mints API tokens through a running server's REST API (as its bootstrap admin), for tests that act as a
// viewer, operator, approver or admin.
import type { ServerProcess } from './server-process.js';

export type TestRole = 'viewer' | 'operator' | 'approver' | 'admin';

export interface MintedToken {
  id: string;
  name: string;
  roles: TestRole[];
  expiresAt: string | null;
  /** The bearer token: shown once by the server. */
  token: string;
}

export interface MintOptions {
  name?: string;
  /** e.g. "1s", "30d". */
  expiresIn?: string;
  /** Mint with this admin token instead of the server's bootstrap token. */
  as?: string;
}

let minted = 0;

/** POST /api/v1/tokens; fails the test with the server's answer when it is not 201. */
export async function mintTokenInfo(server: ServerProcess, roles: readonly TestRole[], opts: MintOptions = {}): Promise<MintedToken> {
  const body = { name: opts.name ?? `test-${roles.join('+')}-${++minted}`, roles, ...(opts.expiresIn && { expiresIn: opts.expiresIn }) };
  const res = await server.api('POST', '/api/v1/tokens', body, opts.as ?? server.token);
  if (res.status !== 201) throw new Error(`minting a ${roles.join('+')} token answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as MintedToken;
}

/** A bearer token holding `roles`. */
export async function mintToken(server: ServerProcess, roles: readonly TestRole[], opts: MintOptions = {}): Promise<string> {
  return (await mintTokenInfo(server, roles, opts)).token;
}

/** DELETE /api/v1/tokens/:id as the bootstrap admin, or as `as`. */
export async function revokeToken(server: ServerProcess, id: string, as?: string): Promise<void> {
  const res = await server.api('DELETE', `/api/v1/tokens/${id}`, undefined, as ?? server.token);
  if (res.status !== 204) throw new Error(`revoking token ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
}
