// The access decision: does this principal hold what an action requires? Fails closed: an action that
// declares no requirement is for admins only, so a route someone forgot to annotate is not open to all.
import { AuthorizationError } from './auth-errors.js';
import type { Principal } from './principal.js';
import { rolesAllow, rolesGranting, type Permission, type Role } from './roles.js';

/** What an action asks of its caller: a permission from the table, or any one of some roles. */
export type Requirement = { permission: Permission } | { roles: readonly Role[] };

const orList = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

/**
 * Throws AuthorizationError unless `principal` may perform `action` (e.g. "POST /api/v1/slots").
 * Admin passes every check, including undeclared ones.
 */
export function authorize(principal: Principal, requirement: Requirement | undefined, action: string): void {
  if (principal.roles.includes('admin')) return;
  const have = principal.roles.length > 0 ? principal.roles.join(', ') : 'no roles';
  if (requirement === undefined) {
    throw new AuthorizationError(`role admin required for ${action} (it declares no permission, so only admins may call it); you have ${have}`);
  }
  if ('permission' in requirement) {
    if (rolesAllow(principal.roles, requirement.permission)) return;
    // The least powerful role first: "role operator required" reads better than the full list.
    const granting = rolesGranting(requirement.permission).filter((r) => r !== 'admin');
    throw new AuthorizationError(
      `role ${orList(granting.length > 0 ? granting : ['admin'])} required for ${action} (${requirement.permission}); you have ${have}`,
    );
  }
  if (requirement.roles.some((role) => principal.roles.includes(role))) return;
  const wanted = requirement.roles.filter((r) => r !== 'admin');
  throw new AuthorizationError(`role ${orList(wanted.length > 0 ? wanted : ['admin'])} required for ${action}; you have ${have}`);
}
