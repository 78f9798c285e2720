// Push and pull against a real registry (Debian's docker-registry), through a recording proxy that shows what
// went over the wire: formats, chunked uploads, skipped and mounted blobs, progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingProxy, startRegistry, wasmModule, type RecordingProxy, type TestRegistry } from '../../../testing/oci-registry.js';
import { sha256Hex } from './digest.js';
import { MediaTypes } from './media-types.js';
import type { Progress } from './options.js';
import { pullModule } from './pull.js';
import { pushModule } from './push.js';
import { WASM_FORMATS } from './wasm-formats.js';

let registry: TestRegistry;
let proxy: RecordingProxy;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startRecordingProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

describe('push then pull', () => {
  for (const format of WASM_FORMATS) {
    it(`round-trips a module in the ${format} format`, async () => {
      const module = wasmModule(4096, format);
      const pushed = await pushModule(`oci://${registry.host}/filters/${format}:v1`, module, { format, rootIds: ['root'] });
      expect(pushed.format).toBe(format);
      expect(pushed.sha256).toBe(sha256Hex(module));
      expect(pushed.manifestDigest).toMatch(/^sha256:[a-f0-9]{64}$/);

      const byTag = await pullModule(`oci://${registry.host}/filters/${format}:v1`);
      expect(byTag.format).toBe(format);
      expect(byTag.bytes.equals(module)).toBe(true);
      expect(byTag.manifestDigest).toBe(pushed.manifestDigest);

      const byDigest = await pullModule(`${registry.host}/filters/${format}@${pushed.manifestDigest}`);
      expect(byDigest.sha256).toBe(sha256Hex(module));
    });
  }

  it('writes the solo format by default, with the runtime config', async () => {
    const pushed = await pushModule(`${registry.host}/filters/default:v1`, wasmModule(100, 'default'), { rootIds: ['add_header'], abiVersions: ['v0.2.1'] });
    expect(pushed.format).toBe('solo');
    const res = await fetch(`${registry.url}/v2/filters/default/manifests/v1`, { headers: { accept: MediaTypes.ociManifest } });
    const manifest = (await res.json()) as { config: { mediaType: string; digest: string }; layers: Array<{ mediaType: string }> };
    expect(manifest.config.mediaType).toBe(MediaTypes.soloConfig);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([MediaTypes.soloContentLayer]);
    const config = await (await fetch(`${registry.url}/v2/filters/default/blobs/${manifest.config.digest}`)).json();
    expect(config).toEqual({ type: 'envoy_proxy', abiVersions: ['v0.2.1'], config: { rootIds: ['add_header'] } });
  });

  it('asks for OCI and Docker manifests and indexes', async () => {
    const before = proxy.requests.length;
    const seen: string[] = [];
    const { createServer } = await import('node:http');
    // a registry double that only records the Accept header
    const srv = createServer((req, res) => {
      seen.push(String(req.headers.accept));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as import('node:net').AddressInfo).port;
    await expect(pullModule(`127.0.0.1:${port}/a/b:v1`, { retries: 0 })).rejects.toMatchObject({ code: 'not-found' });
    srv.close();
    expect(seen[0]!.split(', ').sort()).toEqual(
      [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList].sort(),
    );
    expect(proxy.requests.length).toBe(before);
  });
});

describe('uploads', () => {
  it('uploads small blobs with one PUT and large ones in PATCH chunks', async () => {
    const module = wasmModule(300 * 1024, 'chunked');
    proxy.requests.length = 0;
    await pushModule(`${proxy.host}/filters/chunked:v1`, module, { chunkThreshold: 128 * 1024, chunkSize: 100 * 1024 });
    // the layer: POST, one PATCH per 100 KiB, PUT with the digest; the config (small): POST, PUT
    expect(proxy.count('PATCH', /\/v2\/filters\/chunked\/blobs\/uploads\//)).toBe(Math.ceil(module.length / (100 * 1024)));
    expect(proxy.count('POST', /\/v2\/filters\/chunked\/blobs\/uploads\/$/)).toBe(2);
    expect(proxy.count('PUT', /\/blobs\/uploads\/.*digest=sha256/)).toBe(2);
    const pulled = await pullModule(`${proxy.host}/filters/chunked:v1`);
    expect(pulled.bytes.equals(module)).toBe(true);
  });

  it('skips blobs the registry already has (HEAD) and only puts the manifest', async () => {
    const module = wasmModule(2048, 'again');
    const first = await pushModule(`${proxy.host}/filters/again:v1`, module);
    expect(first.blobs).toEqual({ config: 'uploaded', layer: 'uploaded' });
    proxy.requests.length = 0;
    const second = await pushModule(`${proxy.host}/filters/again:v2`, module);
    expect(second.blobs).toEqual({ config: 'exists', layer: 'exists' });
    expect(second.manifestDigest).toBe(first.manifestDigest);
    expect(proxy.count('HEAD', /\/v2\/filters\/again\/blobs\/sha256:/)).toBe(2);
    expect(proxy.count('POST', /uploads/)).toBe(0);
    expect(proxy.count('PUT', /\/v2\/filters\/again\/manifests\/v2$/)).toBe(1);
  });

  it('mounts blobs from a source repository instead of uploading them', async () => {
    const module = wasmModule(2048, 'mount');
    await pushModule(`${proxy.host}/team-a/filter:v1`, module);
    proxy.requests.length = 0;
    const res = await pushModule(`${proxy.host}/team-b/filter:v1`, module, { mountFrom: 'team-a/filter' });
    expect(res.blobs).toEqual({ config: 'mounted', layer: 'mounted' });
    expect(proxy.count('POST', /\/v2\/team-b\/filter\/blobs\/uploads\/\?mount=sha256%3A[a-f0-9]{64}&from=team-a%2Ffilter$/)).toBe(2);
    expect(proxy.count('PATCH', /./) + proxy.count('PUT', /uploads/)).toBe(0);
    const pulled = await pullModule(`${registry.host}/team-b/filter:v1`);
    expect(pulled.bytes.equals(module)).toBe(true);
  });
});

describe('progress', () => {
  it('reports upload and download progress up to the total', async () => {
    const module = wasmModule(200 * 1024, 'progress');
    const up: Progress[] = [];
    await pushModule(`${registry.host}/filters/progress:v1`, module, { onProgress: (p) => up.push(p), chunkThreshold: 64 * 1024, chunkSize: 64 * 1024 });
    const uploads = up.filter((p) => p.phase === 'upload');
    expect(uploads.length).toBeGreaterThan(3);
    expect(uploads.map((p) => p.bytesDone)).toEqual([...uploads.map((p) => p.bytesDone)].sort((a, b) => a - b));
    expect(uploads.at(-1)!.bytesDone).toBe(uploads.at(-1)!.bytesTotal);
    expect(up.at(-1)!.phase).toBe('done');

    const down: Progress[] = [];
    await pullModule(`${registry.host}/filters/progress:v1`, { onProgress: (p) => down.push(p) });
    expect(down[0]!.phase).toBe('resolve');
    const downloads = down.filter((p) => p.phase === 'download');
    expect(downloads.at(-1)).toEqual({ phase: 'download', bytesDone: module.length, bytesTotal: module.length });
    expect(down.at(-1)).toEqual({ phase: 'done', bytesDone: module.length, bytesTotal: module.length });
  });
});
