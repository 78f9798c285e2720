// Interop with an independent client, Debian's skopeo: what we push it reads byte for byte; what it pushes from
// OCI layouts we write by hand (each Wasm format, Docker v2, image indexes) we pull.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, wasmModule, type TestRegistry } from '../../../testing/oci-registry.js';
import { MediaTypes } from './media-types.js';
import { pullModule } from './pull.js';
import { pushModule } from './push.js';
import { buildWasmImage } from './wasm-image-builder.js';
import { WASM_FORMATS } from './wasm-formats.js';

const run = promisify(execFile);
let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  work = mkdtempSync(path.join(os.tmpdir(), 'wf-skopeo-'));
});
afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { timeout: 60_000 });

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

/** A hand-written OCI image layout: oci-layout, index.json, blobs/sha256/<hex>. */
class Layout {
  readonly dir: string;
  private readonly refs: Desc[] = [];
  constructor(name: string) {
    this.dir = path.join(work, name);
    mkdirSync(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(path.join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }
  blob(mediaType: string, bytes: Buffer, extra: Partial<Desc> = {}): Desc {
    const hex = crypto.createHash('sha256').update(bytes).digest('hex');
    writeFileSync(path.join(this.dir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length, ...extra };
  }
  image(config: Desc, layers: Desc[], extra: Partial<Desc> = {}): Desc {
    const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers };
    return this.blob(MediaTypes.ociManifest, Buffer.from(JSON.stringify(manifest)), extra);
  }
  index(manifests: Desc[]): Desc {
    return this.blob(MediaTypes.ociIndex, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests })));
  }
  tag(desc: Desc, ref: string): void {
    this.refs.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': ref } });
    writeFileSync(path.join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: this.refs }));
  }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** A compat layer made by GNU tar (not our writer): plugin.wasm plus a runtime-config.json. */
async function gnuTarLayer(module: Buffer): Promise<Buffer> {
  const src = mkdtempSync(path.join(work, 'tar-'));
  writeFileSync(path.join(src, 'plugin.wasm'), module);
  writeFileSync(path.join(src, 'runtime-config.json'), '{"type":"envoy_proxy"}');
  const out = path.join(src, 'layer.tar.gz');
  await run('tar', ['-czf', out, '-C', src, 'runtime-config.json', 'plugin.wasm']);
  return readFileSync(out);
}

async function compatImage(layout: Layout, module: Buffer, platform = { os: 'linux', architecture: 'amd64' }): Promise<Desc> {
  const layer = layout.blob(MediaTypes.ociLayerTarGzip, await gnuTarLayer(module));
  const config = layout.blob(MediaTypes.ociImageConfig, json({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  return layout.image(config, [layer], { platform });
}

describe('skopeo reads what we push', () => {
  for (const format of WASM_FORMATS) {
    it(`copies our ${format} image to an OCI layout byte for byte`, async () => {
      const module = wasmModule(5000, `to-skopeo-${format}`);
      const pushed = await pushModule(`${registry.host}/interop/ours-${format}:v1`, module, { format });
      const dest = path.join(work, `from-us-${format}`);
      await skopeo('copy', '--src-tls-verify=false', `docker://${registry.host}/interop/ours-${format}:v1`, `oci:${dest}:v1`);
      const index = JSON.parse(readFileSync(path.join(dest, 'index.json'), 'utf8'));
      expect(index.manifests[0].digest).toBe(pushed.manifestDigest);
      const blob = (d: string) => readFileSync(path.join(dest, 'blobs', 'sha256', d.slice(7)));
      const manifest = JSON.parse(blob(pushed.manifestDigest).toString());
      const expected = buildWasmImage(module, format);
      expect(manifest.layers).toHaveLength(1);
      expect(blob(manifest.layers[0].digest).equals(expected.layer.bytes)).toBe(true);
      expect(blob(manifest.config.digest).equals(expected.config.bytes)).toBe(true);
      if (format !== 'compat') expect(blob(manifest.layers[0].digest).equals(module)).toBe(true);
    });
  }
});

describe('we read what skopeo pushes', () => {
  it('solo image spec', async () => {
    const module = wasmModule(3000, 'skopeo-solo');
    const l = new Layout('solo');
    const layer = l.blob(MediaTypes.soloContentLayer, module);
    const config = l.blob(MediaTypes.soloConfig, json({ type: 'envoy_proxy', abiVersions: ['v0-097b7f2e4cc1fb490cc1943d0d633655ac3c522f'], config: { rootIds: ['r'] } }));
    l.tag(l.image(config, [layer]), 'v1');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${l.dir}:v1`, `docker://${registry.host}/interop/solo:v1`);
    const pulled = await pullModule(`${registry.host}/interop/solo:v1`);
    expect(pulled.format).toBe('solo');
    expect(pulled.bytes.equals(module)).toBe(true);
  });

  it('CNCF Wasm artifact', async () => {
    const module = wasmModule(3000, 'skopeo-cncf');
    const l = new Layout('cncf');
    const layer = l.blob(MediaTypes.cncfLayer, module);
    const config = l.blob(MediaTypes.cncfConfig, json({ architecture: 'wasm', os: 'wasip1', layerDigests: [layer.digest] }));
    l.tag(l.image(config, [layer]), 'v1');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${l.dir}:v1`, `docker://${registry.host}/interop/cncf:v1`);
    const pulled = await pullModule(`${registry.host}/interop/cncf:v1`);
    expect(pulled.format).toBe('cncf');
    expect(pulled.bytes.equals(module)).toBe(true);
  });

  it('compat image (GNU tar layer), as OCI and converted to Docker v2 by skopeo', async () => {
    const module = wasmModule(3000, 'skopeo-compat');
    const l = new Layout('compat');
    l.tag(await compatImage(l, module), 'v1');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${l.dir}:v1`, `docker://${registry.host}/interop/compat:oci`);
    await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${l.dir}:v1`, `docker://${registry.host}/interop/compat:docker`);
    const docker = await fetch(`${registry.url}/v2/interop/compat/manifests/docker`, { headers: { accept: MediaTypes.dockerManifest } });
    expect(docker.headers.get('content-type')).toBe(MediaTypes.dockerManifest);
    for (const tag of ['oci', 'docker']) {
      const pulled = await pullModule(`${registry.host}/interop/compat:${tag}`);
      expect(pulled.format).toBe('compat');
      expect(pulled.bytes.equals(module)).toBe(true);
    }
  });

  it('an image index: takes linux/amd64 among platforms', async () => {
    const amd64 = wasmModule(2000, 'index-amd64');
    const arm64 = wasmModule(2000, 'index-arm64');
    const l = new Layout('index');
    const idx = l.index([await compatImage(l, arm64, { os: 'linux', architecture: 'arm64' }), await compatImage(l, amd64)]);
    l.tag(idx, 'v1');
    await skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${l.dir}:v1`, `docker://${registry.host}/interop/index:v1`);
    const pulled = await pullModule(`${registry.host}/interop/index:v1`);
    expect(pulled.bytes.equals(amd64)).toBe(true);
    expect(pulled.manifestDigest).toBe(idx.digest);
    const arm = await pullModule(`${registry.host}/interop/index:v1`, { platform: { os: 'linux', architecture: 'arm64' } });
    expect(arm.bytes.equals(arm64)).toBe(true);
  });

  it('an image index: takes the single Wasm entry when there is no linux/amd64', async () => {
    const wasm = wasmModule(2000, 'index-wasm');
    const l = new Layout('index-wasm');
    const layer = l.blob(MediaTypes.cncfLayer, wasm);
    const config = l.blob(MediaTypes.cncfConfig, json({ architecture: 'wasm', os: 'wasip1', layerDigests: [layer.digest] }));
    const wasmEntry = l.image(config, [layer], { platform: { os: 'wasip1', architecture: 'wasm' } });
    const other = await compatImage(l, wasmModule(2000, 'index-s390x'), { os: 'linux', architecture: 's390x' });
    l.tag(l.index([other, wasmEntry]), 'v1');
    await skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${l.dir}:v1`, `docker://${registry.host}/interop/index-wasm:v1`);
    const pulled = await pullModule(`${registry.host}/interop/index-wasm:v1`);
    expect(pulled.format).toBe('cncf');
    expect(pulled.bytes.equals(wasm)).toBe(true);
  });
});
