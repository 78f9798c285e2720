// The token request schema: roles, names and lifetimes.
import { describe, expect, it } from 'vitest';
import { CreateTokenRequestSchema, parseTokenLifetime } from './tokens.js';
import { parseOrThrow, ValidationError } from './validation-error.js';

const problemsOf = (body: unknown) => {
  try {
    parseOrThrow(CreateTokenRequestSchema, body);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  return [];
};

describe('token lifetimes', () => {
  it.each([
    ['1s', 1],
    ['90m', 5_400],
    ['1h30m', 5_400],
    ['12h', 43_200],
    ['30d', 2_592_000],
    [' 2d ', 172_800],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseTokenLifetime(text)).toBe(seconds);
  });

  it.each(['', '30', '1w', '30 days', '-1s', '1.5h', 'h'])('%j is not a lifetime', (text) => {
    expect(parseTokenLifetime(text)).toBeUndefined();
  });
});

describe('CreateTokenRequestSchema', () => {
  it('takes a name, roles and a lifetime', () => {
    expect(parseOrThrow(CreateTokenRequestSchema, { name: ' ci ', roles: ['viewer', 'operator'], expiresIn: '30d' })).toEqual({
      name: 'ci',
      roles: ['viewer', 'operator'],
      expiresIn: 2_592_000,
    });
    expect(parseOrThrow(CreateTokenRequestSchema, { name: 'alice', roles: ['admin'], expiresAt: '2030-01-01T00:00:00Z' })).toMatchObject({
      expiresAt: '2030-01-01T00:00:00Z',
    });
  });

  it.each([
    ['no roles', { name: 'x', roles: [] }, 'roles', /at least one role/],
    ['an unknown role', { name: 'x', roles: ['root'] }, 'roles.0', /viewer/],
    ['a repeated role', { name: 'x', roles: ['viewer', 'viewer'] }, 'roles', /repeat/],
    ['an empty name', { name: '  ', roles: ['viewer'] }, 'name', /empty/],
    ['a control character in the name', { name: 'a\u0007b', roles: ['viewer'] }, 'name', /control/],
    ['a bad lifetime', { name: 'x', roles: ['viewer'], expiresIn: '30 days' }, 'expiresIn', /not a duration/],
    ['a zero lifetime', { name: 'x', roles: ['viewer'], expiresIn: '0s' }, 'expiresIn', /between 1s/],
    ['a lifetime over a year', { name: 'x', roles: ['viewer'], expiresIn: '400d' }, 'expiresIn', /366d/],
    ['a bad date', { name: 'x', roles: ['viewer'], expiresAt: 'tomorrow' }, 'expiresAt', /ISO 8601/],
    ['both expiries', { name: 'x', roles: ['viewer'], expiresIn: '1d', expiresAt: '2030-01-01T00:00:00Z' }, 'expiresAt', /not both/],
    ['an unknown field', { name: 'x', roles: ['viewer'], secret: 'mine' }, '', /secret/],
  ])('refuses %s', (_what, body, field, reason) => {
    const problem = problemsOf(body).find((p) => p.field === field);
    expect(problem, JSON.stringify(problemsOf(body))).toBeDefined();
    expect(problem!.reason).toMatch(reason);
  });
});
