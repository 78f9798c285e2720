// Pushing a Wasm module: build the image in the chosen format (solo by default), upload the blobs the registry
// lacks (HEAD first, cross-repo mount when a source repo is known, chunked when large), then PUT the manifest.
import { sha256Hex } from './digest.js';
import { OciError } from './errors.js';
import { DEFAULT_MAX_MODULE_BYTES, progressReporter, type Progress, type RegistryOptions } from './options.js';
import { formatReference, parseOciReference, type OciReference } from './reference.js';
import { RegistryClient, type UploadResult } from './registry-client.js';
import { buildWasmImage, type WasmImageOptions } from './wasm-image-builder.js';
import { assertWasm, type WasmImageFormat } from './wasm-formats.js';

export interface PushOptions extends RegistryOptions, WasmImageOptions {
  /** default 'solo' (solo-io/wasm image spec) */
  format?: WasmImageFormat;
  /** a repository on the same registry that has these blobs: mounted instead of uploaded */
  mountFrom?: string;
  /** blobs larger than this go up in PATCH chunks (default 8 MiB) */
  chunkThreshold?: number;
  chunkSize?: number;
  /** refuse modules larger than this (default 64 MiB) */
  maxModuleBytes?: number;
  onProgress?: (p: Progress) => void;
  client?: RegistryClient;
}

export interface PushResult {
  reference: OciReference;
  /** what to pin with `@`: the digest of the manifest written */
  manifestDigest: string;
  format: WasmImageFormat;
  /** hex sha256 of the module bytes */
  sha256: string;
  /** what happened to each blob: config, then layer */
  blobs: { config: UploadResult; layer: UploadResult };
}

export async function pushModule(reference: string | OciReference, module: Buffer, opts: PushOptions = {}): Promise<PushResult> {
  const ref = typeof reference === 'string' ? parseOciReference(reference) : reference;
  const name = formatReference(ref);
  const max = opts.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES;
  if (module.length > max) throw new OciError('too-large', `module for ${name} is ${module.length} bytes, over the limit of ${max}: raise maxModuleBytes if this size is expected`);
  assertWasm(module, `module for ${name}`);
  const image = buildWasmImage(module, opts.format ?? 'solo', opts);
  if (ref.digest && ref.digest !== image.manifestDigest) {
    throw new OciError('digest-mismatch', `pushing to ${name}: the manifest built is ${image.manifestDigest}, not the digest in the reference; push by tag instead`);
  }
  const client = opts.client ?? new RegistryClient(ref.registry, opts);
  const progress = progressReporter(opts.onProgress);
  const total = image.config.bytes.length + image.layer.bytes.length;
  try {
    const upload = { ...(opts.mountFrom ? { mountFrom: opts.mountFrom } : {}), chunkThreshold: opts.chunkThreshold, chunkSize: opts.chunkSize };
    progress('upload', 0, total);
    const layer = await client.uploadBlob(ref.repository, image.layer.descriptor.digest, image.layer.bytes, {
      ...upload,
      onChunk: (done) => progress('upload', done, total),
    });
    const config = await client.uploadBlob(ref.repository, image.config.descriptor.digest, image.config.bytes, {
      ...upload,
      onChunk: (done) => progress('upload', image.layer.bytes.length + done, total),
    });
    const manifestDigest = await client.putManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest', image.manifest, image.manifestMediaType);
    progress('done', total, total);
    return { reference: ref, manifestDigest, format: image.format, sha256: sha256Hex(module), blobs: { config, layer } };
  } finally {
    if (!opts.client) client.close();
  }
}
