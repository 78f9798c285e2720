// Who is calling: the holder of an API token, or the bootstrap admin of WASMFLEET_ADMIN_TOKEN.
import type { Role } from './roles.js';

export interface Principal {
  /** The token id, or 'admin' for the bootstrap token. Audit entries and four-eyes checks use it. */
  id: string;
  name: string;
  roles: Role[];
}

/** The holder of WASMFLEET_ADMIN_TOKEN (or the generated <data dir>/admin-token). */
export const BOOTSTRAP_ADMIN: Readonly<Principal> = Object.freeze({ id: 'admin', name: 'bootstrap admin', roles: ['admin'] as Role[] });
