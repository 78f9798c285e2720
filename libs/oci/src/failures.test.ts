// Every way a pull can go wrong fails with a clear error and leaves nothing in the cache: corrupted blobs and
// manifests (tampered in the real registry's storage), a wrong expected sha256, manifests of the wrong type,
// images without Wasm, oversized modules, registries that hang, stall or answer 500.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, startRecordingProxy, startRegistry, wasmModule, type RecordingProxy, type TestRegistry } from '../../../testing/oci-registry.js';
import { sha256Digest } from './digest.js';
import { MediaTypes } from './media-types.js';
import { ModuleCache } from './module-cache.js';
import { pushModule } from './push.js';
import { RegistryClient } from './registry-client.js';
import { writeTar } from './tar.js';
import { buildWasmImage } from './wasm-image-builder.js';

let registry: TestRegistry;
let proxy: RecordingProxy;
let dir: string;
let cache: ModuleCache;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startRecordingProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-cache-fail-'));
  cache = new ModuleCache({ dir, retries: 0 });
});
afterEach(() => {
  cache.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Nothing partial or stray: no module, no ref record, no temp file. */
function expectEmptyCache(): void {
  for (const sub of ['modules', 'refs', 'tmp']) expect(readdirSync(path.join(dir, sub)), sub).toEqual([]);
}

/** Pushes raw blobs + manifest, bypassing pushModule's own checks. */
async function pushRaw(repo: string, tag: string, blobs: Array<{ mediaType: string; bytes: Buffer }>, configType: string, config: Buffer = Buffer.from('{}')) {
  const client = new RegistryClient(registry.host);
  try {
    const layers = [];
    for (const b of blobs) {
      await client.uploadBlob(repo, sha256Digest(b.bytes), b.bytes);
      layers.push({ mediaType: b.mediaType, digest: sha256Digest(b.bytes), size: b.bytes.length });
    }
    await client.uploadBlob(repo, sha256Digest(config), config);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: configType, digest: sha256Digest(config), size: config.length }, layers }));
    return client.putManifest(repo, tag, manifest, MediaTypes.ociManifest);
  } finally {
    client.close();
  }
}

/** A registry double: answers /v2/… with the handler. */
async function fakeRegistry(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, stop: () => closeServer(server) };
}

describe('corruption', () => {
  it('a blob tampered with in the registry storage fails the digest check', async () => {
    const module = wasmModule(4096, 'tamper-blob');
    await pushModule(`${registry.host}/bad/blob:v1`, module);
    const file = registry.blobPath(sha256Digest(module));
    const bytes = readFileSync(file);
    bytes[100] ^= 0xff; // same size, other content
    writeFileSync(file, bytes);
    const err = await cache.get(`${registry.host}/bad/blob:v1`).catch((e) => e);
    expect(err).toMatchObject({ code: 'digest-mismatch' });
    expect(err.message).toContain(`expected ${sha256Digest(module)}`);
    expectEmptyCache();
  });

  it('a manifest tampered with in storage fails, by tag and by digest', async () => {
    const pushed = await pushModule(`${registry.host}/bad/manifest:v1`, wasmModule(1000, 'tamper-manifest'));
    const file = registry.blobPath(pushed.manifestDigest);
    writeFileSync(file, readFileSync(file, 'utf8').replace('filter.wasm', 'filter.wasX'));
    await expect(cache.get(`${registry.host}/bad/manifest:v1`)).rejects.toMatchObject({ code: 'digest-mismatch', message: expect.stringContaining('announced') });
    await expect(cache.get(`${registry.host}/bad/manifest@${pushed.manifestDigest}`)).rejects.toMatchObject({ code: 'digest-mismatch' });
    expectEmptyCache();
  });

  it('a module that does not match the expected sha256 is refused and not kept', async () => {
    await pushModule(`${registry.host}/bad/expected:v1`, wasmModule(1000, 'expected'));
    const err = await cache.get(`${registry.host}/bad/expected:v1`, { sha256: 'ab'.repeat(32) }).catch((e) => e);
    expect(err).toMatchObject({ code: 'digest-mismatch' });
    expect(err.message).toContain('update the sha256');
    expectEmptyCache();
  });
});

describe('not a Wasm module image', () => {
  it('a solo layer whose bytes are not Wasm', async () => {
    const image = buildWasmImage(Buffer.from('#!/bin/sh\necho not wasm\n'), 'solo');
    await pushRaw('bad/notwasm', 'v1', [{ mediaType: image.layer.descriptor.mediaType, bytes: image.layer.bytes }], MediaTypes.soloConfig, image.config.bytes);
    const err = await cache.get(`${registry.host}/bad/notwasm:v1`).catch((e) => e);
    expect(err).toMatchObject({ code: 'not-wasm' });
    expect(err.message).toContain('\\0asm');
    expectEmptyCache();
  });

  it('an ordinary container image without plugin.wasm', async () => {
    const layer = zlib.gzipSync(writeTar([{ name: 'bin/app', data: Buffer.from('ELF...') }, { name: 'etc/passwd', data: Buffer.from('root:x:0:0') }]));
    await pushRaw('bad/container', 'v1', [{ mediaType: MediaTypes.ociLayerTarGzip, bytes: layer }], MediaTypes.ociImageConfig);
    const err = await cache.get(`${registry.host}/bad/container:v1`).catch((e) => e);
    expect(err).toMatchObject({ code: 'not-wasm' });
    expect(err.message).toContain('bin/app, etc/passwd');
    expectEmptyCache();
  });

  it('an artifact of another kind (layers no Wasm format uses)', async () => {
    await pushRaw('bad/helm', 'v1', [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', bytes: Buffer.from('chart') }], 'application/vnd.cncf.helm.config.v1+json');
    const err = await cache.get(`${registry.host}/bad/helm:v1`).catch((e) => e);
    expect(err).toMatchObject({ code: 'not-wasm' });
    expect(err.message).toContain('application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    expectEmptyCache();
  });

  it('a manifest of a type we did not ask for (Docker schema 1)', async () => {
    const fake = await fakeRegistry((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }).end('{"schemaVersion":1}');
    });
    try {
      const err = await cache.get(`${fake.host}/old/image:v1`).catch((e) => e);
      expect(err).toMatchObject({ code: 'wrong-media-type' });
      expect(err.message).toContain('schema 1');
      expectEmptyCache();
    } finally {
      await fake.stop();
    }
  });

  it('a manifest whose body contradicts its Content-Type', async () => {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] });
    const fake = await fakeRegistry((_req, res) => res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(body));
    try {
      await expect(cache.get(`${fake.host}/odd/image:v1`)).rejects.toMatchObject({ code: 'wrong-media-type', message: expect.stringContaining('document says') });
    } finally {
      await fake.stop();
    }
  });
});

describe('size caps', () => {
  it('refuses a module layer over maxModuleBytes before downloading it', async () => {
    await pushModule(`${registry.host}/big/module:v1`, wasmModule(300 * 1024, 'big'));
    const small = new ModuleCache({ dir, maxModuleBytes: 256 * 1024 });
    try {
      proxy.requests.length = 0;
      const err = await small.get(`${proxy.host}/big/module:v1`).catch((e) => e);
      expect(err).toMatchObject({ code: 'too-large' });
      expect(err.message).toContain('raise maxModuleBytes');
      expect(proxy.count('GET', /\/blobs\//)).toBe(0);
      expectEmptyCache();
    } finally {
      small.close();
    }
  });

  it('refuses a compat layer that unpacks beyond the cap (a gzip bomb)', async () => {
    const bomb = Buffer.concat([wasmModule(8), Buffer.alloc(4 * 1024 * 1024)]);
    const image = buildWasmImage(bomb, 'compat');
    expect(image.layer.bytes.length).toBeLessThan(64 * 1024);
    await pushRaw('big/bomb', 'v1', [{ mediaType: MediaTypes.ociLayerTarGzip, bytes: image.layer.bytes }], MediaTypes.ociImageConfig, image.config.bytes);
    const small = new ModuleCache({ dir, maxModuleBytes: 1024 * 1024 });
    try {
      await expect(small.get(`${registry.host}/big/bomb:v1`)).rejects.toMatchObject({ code: 'too-large', message: expect.stringContaining('unpacks') });
      expectEmptyCache();
    } finally {
      small.close();
    }
  });

  it('refuses a manifest over maxManifestBytes', async () => {
    const fake = await fakeRegistry((_req, res) => res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(Buffer.alloc(64 * 1024, 0x20)));
    const c = new ModuleCache({ dir, maxManifestBytes: 16 * 1024 });
    try {
      await expect(c.get(`${fake.host}/huge/manifest:v1`)).rejects.toMatchObject({ code: 'too-large' });
      expectEmptyCache();
    } finally {
      c.close();
      await fake.stop();
    }
  });
});

describe('registries that misbehave', () => {
  it('a registry that never answers times out', async () => {
    const fake = await fakeRegistry(() => {
      /* never answers */
    });
    const c = new ModuleCache({ dir, timeoutMs: 300, retries: 0 });
    try {
      const started = Date.now();
      const err = await c.get(`${fake.host}/slow/filter:v1`).catch((e) => e);
      expect(err).toMatchObject({ code: 'timeout' });
      expect(err.message).toMatch(/did not answer GET \/v2\/slow\/filter\/manifests\/v1 within 300 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
      expectEmptyCache();
    } finally {
      c.close();
      await fake.stop();
    }
  });

  it('a registry that stalls in the middle of a blob times out', async () => {
    const module = wasmModule(4096, 'stall');
    const image = buildWasmImage(module, 'solo');
    const fake = await fakeRegistry((req, res) => {
      if (req.url?.includes('/manifests/')) {
        res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(image.manifest);
      } else {
        res.writeHead(200, { 'content-length': String(module.length) });
        res.write(module.subarray(0, 1000)); // then silence
      }
    });
    const c = new ModuleCache({ dir, timeoutMs: 300, retries: 0 });
    try {
      await expect(c.get(`${fake.host}/stall/filter:v1`)).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('stopped sending') });
      expectEmptyCache();
    } finally {
      c.close();
      await fake.stop();
    }
  });

  it('a registry answering 500 fails as registry-error after the retries', async () => {
    let calls = 0;
    const fake = await fakeRegistry((_req, res) => {
      calls++;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"storage is down"}]}');
    });
    const c = new ModuleCache({ dir, retries: 2, retryBackoffMs: 10 });
    try {
      const err = await c.get(`${fake.host}/broken/filter:v1`).catch((e) => e);
      expect(err).toMatchObject({ code: 'registry-error', details: { status: 500 } });
      expect(err.message).toContain('answered 500');
      expect(err.message).toContain('after 3 tries');
      expect(err.message).toContain('storage is down');
      expect(calls).toBe(3);
      expectEmptyCache();
    } finally {
      c.close();
      await fake.stop();
    }
  });

  it('a registry that is not running is unreachable', async () => {
    const fake = await fakeRegistry(() => undefined);
    const host = fake.host;
    await fake.stop();
    const err = await cache.get(`${host}/gone/filter:v1`).catch((e) => e);
    expect(err).toMatchObject({ code: 'unreachable' });
    expect(err.message).toContain('is the registry running');
    expectEmptyCache();
  });

  it('a missing tag is not-found with what to check', async () => {
    const err = await cache.get(`${registry.host}/nothing/here:v9`).catch((e) => e);
    expect(err).toMatchObject({ code: 'not-found' });
    expect(err.message).toContain('MANIFEST_UNKNOWN');
    expectEmptyCache();
  });

  it('speaks https to a registry not marked insecure, plain HTTP once it is marked', async () => {
    // a name that resolves to the loopback registry, so it is not loopback by name
    const resolver = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const module = wasmModule(500, 'insecure');
    await pushModule(`${registry.host}/plain/filter:v1`, module);
    const ref = `registry.example.test:${registry.host.split(':')[1]}/plain/filter:v1`;
    const strict = new ModuleCache({ dir, resolver, retries: 0 });
    const marked = new ModuleCache({ dir, resolver, insecureRegistries: ['registry.example.test'] });
    try {
      const err = await strict.get(ref).catch((e) => e);
      expect(err).toMatchObject({ code: 'unreachable' });
      expect(err.message).toContain('mark it insecure');
      expectEmptyCache();
      const got = await marked.get(ref);
      expect(readFileSync(got.path).equals(module)).toBe(true);
    } finally {
      strict.close();
      marked.close();
    }
  });
});
