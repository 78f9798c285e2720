// The module cache against a real registry, counted through a recording proxy: one fetch for many callers, LRU
// eviction under the size bound, tag TTL, persistence across restarts, stale serving, http(s) module URLs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, startRecordingProxy, startRegistry, wasmModule, type RecordingProxy, type TestRegistry } from '../../../testing/oci-registry.js';
import { sha256Digest, sha256Hex } from './digest.js';
import { ModuleCache, type ModuleCacheOptions } from './module-cache.js';
import { pushModule } from './push.js';

let registry: TestRegistry;
let proxy: RecordingProxy;
let dir: string;
let clock: number;
const caches: ModuleCache[] = [];

const newCache = (opts: Partial<ModuleCacheOptions> = {}) => {
  const c = new ModuleCache({ dir, now: () => clock, retries: 0, ...opts });
  caches.push(c);
  return c;
};
const blobGets = (module: Buffer) => proxy.count('GET', new RegExp(`/blobs/${sha256Digest(module)}$`));
const manifestGets = (repo: string) => proxy.count('GET', new RegExp(`^/v2/${repo}/manifests/`));

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startRecordingProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-cache-'));
  clock = 1_700_000_000_000;
  proxy.requests.length = 0;
});
afterEach(() => {
  for (const c of caches.splice(0)) c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('one fetch for many callers', () => {
  it('200 concurrent gets of one digest fetch the blob once', async () => {
    const module = wasmModule(64 * 1024, 'concurrent');
    const pushed = await pushModule(`${registry.host}/cache/concurrent:v1`, module);
    proxy.requests.length = 0;
    const cache = newCache();
    const ref = `${proxy.host}/cache/concurrent@${pushed.manifestDigest}`;
    const results = await Promise.all(Array.from({ length: 200 }, () => cache.get(ref)));
    expect(blobGets(module)).toBe(1);
    expect(manifestGets('cache/concurrent')).toBe(1);
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(results[0]).toMatchObject({ sha256: sha256Hex(module), size: module.length, format: 'solo', manifestDigest: pushed.manifestDigest, fromCache: false });
    expect(readFileSync(results[0]!.path).equals(module)).toBe(true);
    // and afterwards it is a disk hit
    const again = await cache.get(ref);
    expect(again.fromCache).toBe(true);
    expect(proxy.requests.length).toBe(2);
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1, entries: 1, bytes: module.length });
  });

  it('a caller that gives up does not cancel the fetch for the others', async () => {
    const module = wasmModule(2048, 'abort');
    await pushModule(`${registry.host}/cache/abort:v1`, module);
    const cache = newCache();
    const ctl = new AbortController();
    const quitter = cache.get(`${proxy.host}/cache/abort:v1`, { signal: ctl.signal });
    const stayer = cache.get(`${proxy.host}/cache/abort:v1`);
    ctl.abort();
    await expect(quitter).rejects.toMatchObject({ code: 'aborted' });
    expect((await stayer).sha256).toBe(sha256Hex(module));
    expect(blobGets(module)).toBe(1);
  });
});

describe('size bound', () => {
  it('evicts the least recently used module', async () => {
    const size = 10_000;
    const mods = ['a', 'b', 'c', 'd'].map((s) => wasmModule(size, `lru-${s}`));
    for (const [i, m] of mods.entries()) await pushModule(`${registry.host}/cache/lru:${'abcd'[i]}`, m);
    const cache = newCache({ maxBytes: size * 3 + size / 2 });
    const get = async (tag: string) => {
      clock += 1000;
      return cache.get(`${proxy.host}/cache/lru:${tag}`);
    };
    const a = await get('a');
    const b = await get('b');
    await get('c');
    await get('a'); // a is now more recent than b
    await get('d');
    const present = readdirSync(path.join(dir, 'modules')).sort();
    expect(present).toEqual([a.sha256, sha256Hex(mods[2]!), sha256Hex(mods[3]!)].map((h) => `${h}.wasm`).sort());
    expect(present).not.toContain(`${b.sha256}.wasm`);
    expect(cache.stats()).toMatchObject({ evictions: 1, entries: 3, bytes: size * 3 });
    expect(cache.list().map((m) => m.sha256)).toEqual([sha256Hex(mods[3]!), a.sha256, sha256Hex(mods[2]!)]);
    // b comes back from the registry
    const before = blobGets(mods[1]!);
    const b2 = await get('b');
    expect(b2.fromCache).toBe(false);
    expect(blobGets(mods[1]!)).toBe(before + 1);
  });

  it('refuses a module bigger than the whole cache and keeps nothing', async () => {
    await pushModule(`${registry.host}/cache/huge:v1`, wasmModule(20_000, 'huge'));
    const cache = newCache({ maxBytes: 10_000 });
    await expect(cache.get(`${registry.host}/cache/huge:v1`)).rejects.toMatchObject({ code: 'too-large', message: expect.stringContaining("cache's maxBytes") });
    expect(readdirSync(path.join(dir, 'modules'))).toEqual([]);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });
});

describe('tags', () => {
  it('trusts a tag for its TTL, then re-resolves it', async () => {
    const v1 = wasmModule(1000, 'ttl-1');
    const v2 = wasmModule(1000, 'ttl-2');
    await pushModule(`${registry.host}/cache/ttl:live`, v1);
    const cache = newCache({ tagTtlMs: 60_000 });
    const ref = `${proxy.host}/cache/ttl:live`;
    expect((await cache.get(ref)).sha256).toBe(sha256Hex(v1));
    await pushModule(`${registry.host}/cache/ttl:live`, v2);
    clock += 59_000;
    const within = await cache.get(ref);
    expect(within).toMatchObject({ sha256: sha256Hex(v1), fromCache: true });
    expect(manifestGets('cache/ttl')).toBe(1);
    clock += 2_000;
    const after = await cache.get(ref);
    expect(after).toMatchObject({ sha256: sha256Hex(v2), fromCache: false });
    expect(manifestGets('cache/ttl')).toBe(2);
    // pullPolicy Always re-resolves at once; the module is known, so no blob is fetched
    const blobsBefore = proxy.count('GET', /\/blobs\//);
    const always = await cache.get(ref, { pullPolicy: 'Always' });
    expect(always.sha256).toBe(sha256Hex(v2));
    expect(manifestGets('cache/ttl')).toBe(3);
    expect(proxy.count('GET', /\/blobs\//)).toBe(blobsBefore);
  });

  it('serves the last module of a tag when the registry is down, marked stale', async () => {
    const module = wasmModule(1000, 'stale');
    await pushModule(`${registry.host}/cache/stale:v1`, module);
    const flaky = await startRecordingProxy(registry.url);
    const cache = newCache({ tagTtlMs: 1000 });
    const ref = `${flaky.host}/cache/stale:v1`;
    await cache.get(ref);
    await flaky.stop();
    clock += 5000;
    const got = await cache.get(ref);
    expect(got).toMatchObject({ sha256: sha256Hex(module), stale: true, fromCache: true });
    const strict = newCache({ tagTtlMs: 1000, serveStaleOnError: false });
    await expect(strict.get(ref)).rejects.toMatchObject({ code: 'unreachable' });
  });
});

describe('on disk', () => {
  it('survives a restart: digests and fresh tags need no network', async () => {
    const module = wasmModule(3000, 'restart');
    const pushed = await pushModule(`${registry.host}/cache/restart:v1`, module);
    await newCache().get(`${proxy.host}/cache/restart:v1`);
    proxy.requests.length = 0;
    const reopened = newCache();
    expect((await reopened.get(`${proxy.host}/cache/restart@${pushed.manifestDigest}`)).fromCache).toBe(true);
    expect((await reopened.get(`${proxy.host}/cache/restart:v1`)).fromCache).toBe(true);
    expect(proxy.requests).toEqual([]);
    expect(reopened.stats().bytes).toBe(module.length);
  });

  it('throws away temp files a crash left behind', async () => {
    newCache();
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(path.join(dir, 'tmp', 'half-written.wasm.abc'), 'partial');
    const c = newCache();
    await c.get(`${registry.host}/cache/restart:v1`).catch(() => undefined);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });
});

describe('http(s) module URLs', () => {
  let server: http.Server;
  let base: string;
  let hits: string[];
  const module = wasmModule(5000, 'http');
  beforeAll(async () => {
    hits = [];
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/filter.wasm') return res.end(module);
      if (req.url === '/filter.wasm.gz') return res.end(zlib.gzipSync(module));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => closeServer(server));

  it('fetches, verifies and caches by sha256', async () => {
    hits.length = 0;
    const cache = newCache();
    const got = await cache.get(`${base}/filter.wasm`, { sha256: sha256Hex(module) });
    expect(got).toMatchObject({ sha256: sha256Hex(module), format: 'http', size: module.length, fromCache: false });
    expect(readFileSync(got.path).equals(module)).toBe(true);
    expect((await cache.get(`${base}/filter.wasm`, { sha256: `sha256:${sha256Hex(module)}` })).fromCache).toBe(true);
    expect(hits).toEqual(['/filter.wasm']);
  });

  it('unpacks a gzip download, checking the sha256 of what was downloaded', async () => {
    const gz = zlib.gzipSync(module);
    const got = await newCache().get(`${base}/filter.wasm.gz`, { sha256: sha256Hex(gz) });
    expect(got.sha256).toBe(sha256Hex(module));
  });

  it('refuses a wrong sha256 and keeps nothing; requires a sha256', async () => {
    const cache = newCache();
    await expect(cache.get(`${base}/filter.wasm`, { sha256: 'cd'.repeat(32) })).rejects.toMatchObject({ code: 'digest-mismatch' });
    expect(readdirSync(path.join(dir, 'modules'))).toEqual([]);
    await expect(cache.get(`${base}/filter.wasm`)).rejects.toMatchObject({ code: 'invalid-reference', message: expect.stringContaining('pass sha256') });
    await expect(cache.get(`${base}/missing.wasm`, { sha256: 'cd'.repeat(32) })).rejects.toMatchObject({ code: 'not-found' });
  });
});
