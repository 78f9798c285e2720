// Roles and what each may do: the one table every REST route and gRPC service is checked against.
// A route names a permission, never a role, so the table can change without touching controllers.
import { ROLE_NAMES, type RoleName } from '@wasmfleet/api';

export type Role = RoleName;
export const ROLES: readonly Role[] = ROLE_NAMES;

export const PERMISSIONS = [
  'slots:read',
  'slots:write',
  'nacks:read',
  'rollouts:read',
  /** Create, apply or edit a rollout. */
  'rollouts:write',
  /** Pause, resume, promote, abort, retry, roll back. */
  'rollouts:operate',
  /** Pass or refuse an approval gate (four-eyes is checked on top: the author of a revision cannot approve it). */
  'rollouts:approve',
  'audit:read',
  'events:read',
  /** Connect an ECDS / agent stream. */
  'xds:subscribe',
  /** GET /api/v1/whoami. */
  'self:read',
  'metrics:read',
  'tokens:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = ['slots:read', 'nacks:read', 'rollouts:read', 'audit:read', 'events:read', 'xds:subscribe', 'self:read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set(VIEWER),
  operator: new Set([...VIEWER, 'slots:write', 'rollouts:write', 'rollouts:operate']),
  approver: new Set([...VIEWER, 'rollouts:approve']),
  admin: new Set(PERMISSIONS),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role]?.has(permission));
}

/** The roles that hold `permission`, least powerful first: for messages that say what to ask for. */
export function rolesGranting(permission: Permission): Role[] {
  return ROLES.filter((role) => ROLE_PERMISSIONS[role].has(permission));
}
