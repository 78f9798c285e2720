// Authentication against real registries: htpasswd basic auth, and distribution's token auth (Bearer challenge,
// token server at the realm) with a token server from the test harness.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, wasmModule, type TestRegistry } from '../../../testing/oci-registry.js';
import { defaultCredentials } from './credentials.js';
import { ModuleCache } from './module-cache.js';
import { pullModule } from './pull.js';
import { pushModule } from './push.js';

const alice = { username: 'alice', password: 's3cret:with:colons' };
const noCredentials = () => undefined;

describe('basic auth (htpasswd)', () => {
  let registry: TestRegistry;
  let tmp: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { user: alice.username, password: alice.password } });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-auth-'));
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('pushes and pulls with credentials from options', async () => {
    const module = wasmModule(1000, 'basic');
    const credentials = { [registry.host]: alice };
    await pushModule(`${registry.host}/private/filter:v1`, module, { credentials });
    const pulled = await pullModule(`${registry.host}/private/filter:v1`, { credentials });
    expect(pulled.bytes.equals(module)).toBe(true);
  });

  it('without credentials: unauthorized, with the login hint', async () => {
    const err = await pullModule(`${registry.host}/private/filter:v1`, { credentials: noCredentials }).catch((e) => e);
    expect(err).toMatchObject({ code: 'unauthorized', details: { status: 401 } });
    expect(err.message).toContain(`run \`wasmfleet login ${registry.host}\``);
    expect(err.message).toContain('no credentials');
  });

  it('with a wrong password: unauthorized, credentials refused', async () => {
    const err = await pullModule(`${registry.host}/private/filter:v1`, { credentials: { [registry.host]: { username: 'alice', password: 'nope' } } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'unauthorized' });
    expect(err.message).toContain('were refused');
  });

  it('reads credentials from a Docker config.json (base64 auth)', async () => {
    const file = path.join(tmp, 'config.json');
    const auth = Buffer.from(`${alice.username}:${alice.password}`).toString('base64');
    writeFileSync(file, JSON.stringify({ auths: { 'other.example:5000': { auth: 'eDp5' }, [`http://${registry.host}`]: { auth } } }));
    const pulled = await pullModule(`${registry.host}/private/filter:v1`, { credentials: defaultCredentials({ env: {}, configPaths: [file] }) });
    expect(pulled.format).toBe('solo');
  });

  it('reads credentials from the environment, only for the named host', async () => {
    const env = { WASMFLEET_REGISTRY_USERNAME: alice.username, WASMFLEET_REGISTRY_PASSWORD: alice.password, WASMFLEET_REGISTRY_HOST: registry.host };
    const ok = await pullModule(`${registry.host}/private/filter:v1`, { credentials: defaultCredentials({ env, configPaths: [] }) });
    expect(ok.size).toBe(1000);
    const elsewhere = { ...env, WASMFLEET_REGISTRY_HOST: 'elsewhere.example' };
    await expect(pullModule(`${registry.host}/private/filter:v1`, { credentials: defaultCredentials({ env: elsewhere, configPaths: [] }) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});

describe('token auth (Bearer)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tokenAuth: { user: alice.username, password: alice.password } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('gets a token for the push scope, then pushes and pulls', async () => {
    const module = wasmModule(1000, 'bearer');
    const credentials = { [registry.host]: alice };
    registry.tokenRequests.length = 0;
    await pushModule(`${registry.host}/team/filter:v1`, module, { credentials });
    expect(registry.tokenRequests.length).toBeGreaterThan(0);
    expect(registry.tokenRequests[0]).toEqual({ service: 'wasmfleet-test-registry', scopes: ['repository:team/filter:pull,push'], user: 'alice' });

    registry.tokenRequests.length = 0;
    const pulled = await pullModule(`${registry.host}/team/filter:v1`, { credentials });
    expect(pulled.bytes.equals(module)).toBe(true);
    // one token for the whole pull (manifest + blob), reused until it expires
    expect(registry.tokenRequests).toEqual([{ service: 'wasmfleet-test-registry', scopes: ['repository:team/filter:pull'], user: 'alice' }]);
  });

  it('asks for pull on the source repository when mounting', async () => {
    const module = wasmModule(1000, 'bearer-mount');
    const credentials = { [registry.host]: alice };
    await pushModule(`${registry.host}/team/source:v1`, module, { credentials });
    registry.tokenRequests.length = 0;
    const res = await pushModule(`${registry.host}/team/dest:v1`, module, { credentials, mountFrom: 'team/source' });
    expect(res.blobs.layer).toBe('mounted');
    expect(registry.tokenRequests[0]!.scopes.sort()).toEqual(['repository:team/dest:pull,push', 'repository:team/source:pull']);
  });

  it('an anonymous token without access: unauthorized, with the login hint', async () => {
    registry.tokenRequests.length = 0;
    const err = await pullModule(`${registry.host}/team/filter:v1`, { credentials: noCredentials }).catch((e) => e);
    expect(err).toMatchObject({ code: 'unauthorized' });
    expect(err.message).toContain(`wasmfleet login ${registry.host}`);
    expect(registry.tokenRequests).toEqual([{ service: 'wasmfleet-test-registry', scopes: ['repository:team/filter:pull'], user: null }]);
  });

  it('credentials the token server refuses: unauthorized', async () => {
    const err = await pullModule(`${registry.host}/team/filter:v1`, { credentials: { [registry.host]: { username: 'alice', password: 'wrong' } } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'unauthorized' });
    expect(err.message).toMatch(/token server 127\.0\.0\.1:\d+ answered 401/);
  });

  it('the cache reuses its token across gets', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-auth-cache-'));
    const cache = new ModuleCache({ dir, credentials: { [registry.host]: alice }, tagTtlMs: 0 });
    try {
      registry.tokenRequests.length = 0;
      await cache.get(`${registry.host}/team/filter:v1`);
      await cache.get(`${registry.host}/team/filter:v1`);
      expect(registry.tokenRequests).toHaveLength(1);
    } finally {
      cache.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
