import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './auth.js';
import { defaultConfigPaths, fromConfigFile, sameRegistry } from './credentials.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } }],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['basic realm=simple', [{ scheme: 'basic', params: { realm: 'simple' } }]],
    [
      'Bearer realm="https://a/t", error="insufficient_scope", Basic realm="x, y"',
      [
        { scheme: 'bearer', params: { realm: 'https://a/t', error: 'insufficient_scope' } },
        { scheme: 'basic', params: { realm: 'x, y' } },
      ],
    ],
    ['Bearer realm="with \\"quotes\\""', [{ scheme: 'bearer', params: { realm: 'with "quotes"' } }]],
    ['', []],
  ])('%s', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});

describe('credentials from config files', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-creds-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, v: unknown) => {
    const f = path.join(tmp, name);
    writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
    return f;
  };

  it('decodes base64 auth (passwords may hold colons) and username/password entries', () => {
    const f = write('config.json', {
      auths: {
        'https://reg.example.com:5000/v2/': { auth: Buffer.from('bob:pa:ss').toString('base64') },
        'other.example': { username: 'carol', password: 'pw' },
        'https://index.docker.io/v1/': { auth: Buffer.from('dave:hub').toString('base64') },
      },
    });
    expect(fromConfigFile(f, 'reg.example.com:5000')).toEqual({ username: 'bob', password: 'pa:ss' });
    expect(fromConfigFile(f, 'other.example')).toEqual({ username: 'carol', password: 'pw' });
    expect(fromConfigFile(f, 'registry-1.docker.io')).toEqual({ username: 'dave', password: 'hub' });
    expect(fromConfigFile(f, 'reg.example.com')).toBeUndefined();
  });

  it('treats a missing or broken file as no credential', () => {
    expect(fromConfigFile(path.join(tmp, 'nope.json'), 'x')).toBeUndefined();
    expect(fromConfigFile(write('broken.json', '{not json'), 'x')).toBeUndefined();
  });

  it('knows where Docker and Podman keep them', () => {
    expect(defaultConfigPaths({ DOCKER_CONFIG: '/d', REGISTRY_AUTH_FILE: '/r.json', XDG_RUNTIME_DIR: '/run/user/1' })).toEqual([
      '/d/config.json',
      '/r.json',
      '/run/user/1/containers/auth.json',
    ]);
    expect(sameRegistry('http://localhost:5000', 'localhost:5000')).toBe(true);
    expect(sameRegistry('localhost:5001', 'localhost:5000')).toBe(false);
  });
});
