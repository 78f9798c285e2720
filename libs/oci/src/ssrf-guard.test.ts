// The address guard: the policy itself, and real requests (module URLs, registries, redirects) it must stop
// before any connection, or let through to the address it checked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, wasmModule } from '../../../testing/oci-registry.js';
import { sha256Hex } from './digest.js';
import { fetchHttpModule } from './http-source.js';
import { pullModule } from './pull.js';
import { AddressPolicy, isLoopbackHost, type Resolver } from './ssrf-guard.js';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();
  it.each([
    ['169.254.169.254', 'link-local'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00:ec2::254', 'EC2 metadata'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
  ])('blocks %s', (addr, why) => {
    expect(policy.blockedReason(addr)).toContain(why);
  });

  it.each(['127.0.0.1', '127.9.9.9', '::1', '10.0.0.1', '192.168.1.1', '8.8.8.8', '2001:db8::1', 'fec0::1', 'fd00:ec2::253'])('allows %s', (addr) => {
    expect(policy.blockedReason(addr)).toBeUndefined();
  });

  it('blocks loopback when told to, and extra CIDRs', () => {
    const strict = new AddressPolicy({ allowLoopback: false, blockedCidrs: ['10.0.0.0/8', '2001:db8::/32'] });
    expect(strict.blockedReason('127.0.0.1')).toContain('loopback');
    expect(strict.blockedReason('::1')).toContain('loopback');
    expect(strict.blockedReason('10.1.2.3')).toContain('10.0.0.0/8');
    expect(strict.blockedReason('2001:db8::5')).toContain('2001:db8::/32');
    expect(strict.blockedReason('11.0.0.1')).toBeUndefined();
    expect(() => strict.checkHost('localhost')).toThrow(expect.objectContaining({ code: 'forbidden-address' }));
  });

  it('blocks metadata host names without resolving them', () => {
    expect(() => policy.checkHost('metadata.google.internal')).toThrow(expect.objectContaining({ code: 'forbidden-address' }));
    expect(() => policy.checkHost('METADATA.google.internal.')).toThrow(expect.objectContaining({ code: 'forbidden-address' }));
    expect(() => policy.checkHost('[fe80::1]')).toThrow(expect.objectContaining({ code: 'forbidden-address' }));
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '[::1]', 'a.localhost'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', 'example.com', '[::2]'].map(isLoopbackHost)).toEqual([false, false, false]);
  });
});

describe('requests through the guard', () => {
  const module = wasmModule(500, 'ssrf');
  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/to-evil-name') return res.writeHead(302, { location: `http://evil.example.test:${port}/m.wasm` }).end();
      res.end(module);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => closeServer(server));

  const sha = sha256Hex(module);
  const resolver =
    (table: Record<string, string[]>): Resolver =>
    async (host) =>
      (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://[fe80::1]/m.wasm',
    'http://[fd00:ec2::254]/m.wasm',
    'http://[::ffff:169.254.169.254]/m.wasm',
  ])('refuses %s', async (url) => {
    await expect(fetchHttpModule(new URL(url), sha)).rejects.toMatchObject({ code: 'forbidden-address', message: expect.stringContaining('refusing to connect') });
  });

  it('resolves names and refuses when any address is blocked', async () => {
    const r = resolver({ 'mixed.example.test': ['127.0.0.1', '169.254.10.10'] });
    hits = 0;
    await expect(fetchHttpModule(new URL(`http://mixed.example.test:${port}/m.wasm`), sha, { resolver: r })).rejects.toMatchObject({
      code: 'forbidden-address',
      message: expect.stringContaining('mixed.example.test (169.254.10.10)'),
    });
    expect(hits).toBe(0);
  });

  it('connects to the checked address when all are allowed', async () => {
    const got = await fetchHttpModule(new URL(`http://good.example.test:${port}/m.wasm`), sha, { resolver: resolver({ 'good.example.test': ['127.0.0.1'] }) });
    expect(got.sha256).toBe(sha);
  });

  it('checks redirect targets too', async () => {
    await expect(fetchHttpModule(new URL(`http://127.0.0.1:${port}/to-metadata`), sha)).rejects.toMatchObject({ code: 'forbidden-address' });
    const r = resolver({ 'evil.example.test': ['169.254.169.254'] });
    await expect(fetchHttpModule(new URL(`http://127.0.0.1:${port}/to-evil-name`), sha, { resolver: r })).rejects.toMatchObject({ code: 'forbidden-address' });
  });

  it('guards registries as well', async () => {
    await expect(pullModule('oci://169.254.169.254/filters/x:v1', { insecureRegistries: ['*'] })).rejects.toMatchObject({ code: 'forbidden-address' });
    const r = resolver({ 'registry.example.test': ['fe80::2'] });
    await expect(pullModule('oci://registry.example.test/filters/x:v1', { resolver: r })).rejects.toMatchObject({ code: 'forbidden-address' });
  });
});
