// The token format: what is minted, what parses, what is stored.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerTokenOf, generateApiToken, hashSecret, parseApiToken, secretMatches } from './api-token.js';

describe('API tokens', () => {
  it('mints wft_<16 hex id>_<43 base64url secret> and parses it back', () => {
    const { id, secret, token } = generateApiToken();
    expect(token).toMatch(/^wft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(parseApiToken(token)).toEqual({ id, secret });
  });

  it('mints a different id and secret every time', () => {
    const tokens = Array.from({ length: 200 }, generateApiToken);
    expect(new Set(tokens.map((t) => t.id)).size).toBe(200);
    expect(new Set(tokens.map((t) => t.secret)).size).toBe(200);
  });

  it('parses a secret that contains underscores and dashes', () => {
    const secret = `_-${'a'.repeat(39)}_-`;
    expect(parseApiToken(`wft_0123456789abcdef_${secret}`)).toEqual({ id: '0123456789abcdef', secret });
  });

  it.each([
    ['the admin token', 'test-admin-token-abc'],
    ['another prefix', 'wf_0123456789abcdef_' + 'a'.repeat(43)],
    ['an uppercase id', 'wft_0123456789ABCDEF_' + 'a'.repeat(43)],
    ['a short id', 'wft_0123_' + 'a'.repeat(43)],
    ['a short secret', 'wft_0123456789abcdef_' + 'a'.repeat(42)],
    ['a long secret', 'wft_0123456789abcdef_' + 'a'.repeat(44)],
    ['a secret with other characters', 'wft_0123456789abcdef_' + 'a'.repeat(42) + '='],
    ['trailing text', 'wft_0123456789abcdef_' + 'a'.repeat(43) + ' x'],
    ['nothing', ''],
  ])('refuses %s', (_what, text) => {
    expect(parseApiToken(text)).toBeUndefined();
  });

  it('stores the sha256 of the secret and checks it in constant time', () => {
    const { secret } = generateApiToken();
    const stored = hashSecret(secret);
    expect(stored).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(stored).not.toContain(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'), stored)).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
  });
});

describe('the authorization header', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
  ])('takes the token out of %j', (header, token) => {
    expect(bearerTokenOf(header)).toEqual({ token });
  });

  it.each([
    [undefined, /missing/],
    ['', /missing/],
    ['Basic dXNlcjpwYXNz', /must be "Bearer <token>"/],
    ['Bearer', /must be "Bearer <token>"/],
    ['Bearer a b', /must be "Bearer <token>"/],
  ])('refuses %j saying why', (header, problem) => {
    const result = bearerTokenOf(header);
    expect('problem' in result && result.problem).toMatch(problem);
  });

  it('never echoes what was presented', () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer s3cr3t-1 s3cr3t-2', 's3cr3t-3']) {
      expect(JSON.stringify(bearerTokenOf(header))).not.toMatch(/dXNl|s3cr3t/);
    }
  });
});
