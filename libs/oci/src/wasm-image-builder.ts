// Builds the config, layer and manifest of a Wasm image in one of the three formats. Deterministic: the same
// module and options always give the same digests, so pushing again uploads nothing.
import zlib from 'node:zlib';
import { sha256Digest } from './digest.js';
import { COMPAT_VARIANT_ANNOTATION, MediaTypes } from './media-types.js';
import type { Descriptor } from './registry-client.js';
import { writeTar } from './tar.js';
import { COMPAT_MODULE_FILE, type WasmImageFormat } from './wasm-formats.js';

export interface WasmImageOptions {
  /** proxy-wasm root ids, written into the solo runtime config */
  rootIds?: readonly string[];
  /** proxy-wasm ABI versions, written into the solo runtime config */
  abiVersions?: readonly string[];
  /** manifest annotations, e.g. org.opencontainers.image.source */
  annotations?: Record<string, string>;
}

export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface WasmImage {
  format: WasmImageFormat;
  config: Blob;
  layer: Blob;
  manifest: Buffer;
  manifestMediaType: string;
  manifestDigest: string;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function blob(mediaType: string, bytes: Buffer, annotations?: Record<string, string>): Blob {
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...(annotations ? { annotations } : {}) } };
}

export function buildWasmImage(module: Buffer, format: WasmImageFormat, opts: WasmImageOptions = {}): WasmImage {
  let config: Blob;
  let layer: Blob;
  const annotations: Record<string, string> = { ...opts.annotations };
  switch (format) {
    case 'solo':
      layer = blob(MediaTypes.soloContentLayer, module, { 'org.opencontainers.image.title': 'filter.wasm' });
      config = blob(
        MediaTypes.soloConfig,
        json({ type: 'envoy_proxy', abiVersions: [...(opts.abiVersions ?? [])], config: { rootIds: [...(opts.rootIds ?? [])] } }),
      );
      break;
    case 'compat': {
      const tar = writeTar([{ name: COMPAT_MODULE_FILE, data: module }]);
      layer = blob(MediaTypes.ociLayerTarGzip, zlib.gzipSync(tar, { level: 9 }));
      // A minimal image config: docker/skopeo/Istio treat the image like any linux/amd64 image.
      config = blob(
        MediaTypes.ociImageConfig,
        json({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] } }),
      );
      annotations[COMPAT_VARIANT_ANNOTATION] = 'compat';
      break;
    }
    case 'cncf':
      layer = blob(MediaTypes.cncfLayer, module);
      config = blob(MediaTypes.cncfConfig, json({ architecture: 'wasm', os: 'wasip1', layerDigests: [sha256Digest(module)] }));
      break;
  }
  const manifest = json({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: config.descriptor,
    layers: [layer.descriptor],
    ...(Object.keys(annotations).length ? { annotations } : {}),
  });
  return { format, config, layer, manifest, manifestMediaType: MediaTypes.ociManifest, manifestDigest: sha256Digest(manifest) };
}
