// The permission table and the access decision, as tables.
import { describe, expect, it } from 'vitest';
import { AuthorizationError } from './auth-errors.js';
import { authorize } from './authorize.js';
import { BOOTSTRAP_ADMIN, type Principal } from './principal.js';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, rolesAllow, rolesGranting, type Permission, type Role } from './roles.js';

// The table as a person would write it down: any change to roles.ts must change this too.
const EXPECTED: Record<Permission, Role[]> = {
  'slots:read': ['viewer', 'operator', 'approver', 'admin'],
  'slots:write': ['operator', 'admin'],
  'nacks:read': ['viewer', 'operator', 'approver', 'admin'],
  'rollouts:read': ['viewer', 'operator', 'approver', 'admin'],
  'rollouts:write': ['operator', 'admin'],
  'rollouts:operate': ['operator', 'admin'],
  'rollouts:approve': ['approver', 'admin'],
  'audit:read': ['viewer', 'operator', 'approver', 'admin'],
  'events:read': ['viewer', 'operator', 'approver', 'admin'],
  'xds:subscribe': ['viewer', 'operator', 'approver', 'admin'],
  'self:read': ['viewer', 'operator', 'approver', 'admin'],
  'metrics:read': ['admin'],
  'tokens:manage': ['admin'],
};

const who = (...roles: Role[]): Principal => ({ id: 'abc', name: 'someone', roles });

describe('the permission table', () => {
  it('lists exactly the four roles', () => {
    expect([...ROLES]).toEqual(['viewer', 'operator', 'approver', 'admin']);
  });

  it.each(PERMISSIONS.map((p) => [p, EXPECTED[p]] as const))('%s is held by %j', (permission, roles) => {
    expect(rolesGranting(permission)).toEqual(roles);
  });

  it('gives admin every permission, and every other role at least what a viewer has', () => {
    expect([...ROLE_PERMISSIONS.admin].sort()).toEqual([...PERMISSIONS].sort());
    for (const role of ROLES) for (const p of ROLE_PERMISSIONS.viewer) expect(ROLE_PERMISSIONS[role].has(p), `${role} ${p}`).toBe(true);
  });

  it('keeps operating and approving apart: no role but admin holds both', () => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      expect(rolesAllow([role], 'rollouts:operate') && rolesAllow([role], 'rollouts:approve'), role).toBe(false);
    }
  });

  it('unions the permissions of several roles', () => {
    expect(rolesAllow(['viewer', 'approver'], 'rollouts:approve')).toBe(true);
    expect(rolesAllow(['viewer', 'approver'], 'slots:write')).toBe(false);
    expect(rolesAllow([], 'slots:read')).toBe(false);
  });
});

describe('authorize', () => {
  it('passes a role that holds the permission', () => {
    expect(() => authorize(who('operator'), { permission: 'slots:write' }, 'POST /api/v1/slots')).not.toThrow();
  });

  it('refuses saying which role is needed, for what, and what the caller has', () => {
    expect(() => authorize(who('viewer'), { permission: 'slots:write' }, 'POST /api/v1/slots')).toThrow(
      new AuthorizationError('role operator required for POST /api/v1/slots (slots:write); you have viewer'),
    );
    expect(() => authorize(who('viewer', 'approver'), { permission: 'metrics:read' }, 'GET /metrics')).toThrow(
      'role admin required for GET /metrics (metrics:read); you have viewer, approver',
    );
  });

  it('checks a list of roles: any one of them will do', () => {
    expect(() => authorize(who('approver'), { roles: ['operator', 'approver'] }, 'x')).not.toThrow();
    expect(() => authorize(who('viewer'), { roles: ['operator', 'approver'] }, 'POST /x')).toThrow(
      'role operator or approver required for POST /x; you have viewer',
    );
  });

  it('fails closed: an action that declares nothing is for admins only', () => {
    for (const role of ['viewer', 'operator', 'approver'] as const) {
      expect(() => authorize(who(role), undefined, 'GET /new')).toThrow(/role admin required for GET \/new/);
    }
    expect(() => authorize(who('admin'), undefined, 'GET /new')).not.toThrow();
    expect(() => authorize(BOOTSTRAP_ADMIN, undefined, 'GET /new')).not.toThrow();
  });

  it('passes admin through every permission and role list', () => {
    for (const p of PERMISSIONS) expect(() => authorize(who('admin'), { permission: p }, p)).not.toThrow();
    expect(() => authorize(who('admin'), { roles: ['approver'] }, 'x')).not.toThrow();
  });

  it('refuses a principal with no roles at all', () => {
    expect(() => authorize(who(), { permission: 'slots:read' }, 'GET /api/v1/slots')).toThrow(/you have no roles/);
  });
});
