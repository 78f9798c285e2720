// What a route requires of its caller, and how a handler learns who the caller is. Every route declares
// @Permission(...) (preferred: the table in auth/roles.ts decides who holds it), @Roles(...) or @Public();
// a route with none of them is for admins only (BearerAuthGuard fails closed).
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { AuthenticationError } from '../auth/auth-errors.js';
import type { Principal } from '../auth/principal.js';
import type { Permission as PermissionName, Role } from '../auth/roles.js';

export const REQUIRED_PERMISSION = 'wasmfleet:permission';
export const REQUIRED_ROLES = 'wasmfleet:roles';

/** The caller needs a role that holds `permission` (admin holds all). */
export const Permission = (permission: PermissionName) => SetMetadata(REQUIRED_PERMISSION, permission);

/** The caller needs any one of `roles` (admin always passes). Prefer @Permission. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** Where BearerAuthGuard leaves the authenticated caller on the request. */
export interface AuthenticatedRequest {
  principal?: Principal;
}

/**
 * The authenticated caller, e.g. `approve(@CurrentPrincipal() who: Principal)` for audit and four-eyes checks.
 * Throws on a @Public() route, where nobody was authenticated.
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new AuthenticationError('this route has no authenticated caller');
  return principal;
});
