// Pulling a Wasm module from a registry: resolve the tag (or digest) to a manifest, through an index if there is
// one, find the module's layer in whichever format, download it verified and capped, and unpack it.
import { sha256Hex } from './digest.js';
import { OciError } from './errors.js';
import { formatBytes } from './format-bytes.js';
import { chooseFromIndex, parseManifestDocument, type ImageManifest } from './manifest.js';
import { DEFAULT_MAX_MANIFEST_BYTES, DEFAULT_MAX_MODULE_BYTES, progressReporter, type PullOptions } from './options.js';
import { formatReference, parseOciReference, type OciReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { detectWasmLayer, extractModule, layerByteLimit, type WasmImageFormat, type WasmLayer } from './wasm-formats.js';

export interface ResolvedImage {
  reference: OciReference;
  /** digest of what the reference points at (an index's digest when it is an index): pin with @ this */
  manifestDigest: string;
  /** the image manifest holding the module (differs from manifestDigest behind an index) */
  imageDigest: string;
  manifest: ImageManifest;
  wasm: WasmLayer;
}

export interface PulledModule {
  reference: OciReference;
  manifestDigest: string;
  format: WasmImageFormat;
  /** hex sha256 of the module bytes: what Envoy's remote source `sha256` wants */
  sha256: string;
  size: number;
  bytes: Buffer;
}

export type PullWith = PullOptions & { client?: RegistryClient };

const MAX_INDEX_DEPTH = 2;

/** Fetches and checks the manifest(s) only; cheap, so a cache can tell whether it holds the module already. */
export async function resolveWasmImage(client: RegistryClient, ref: OciReference, opts: PullOptions = {}): Promise<ResolvedImage> {
  const maxManifest = opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  const maxModule = opts.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES;
  const progress = progressReporter(opts.onProgress);
  progress('resolve', 0, 0);
  const name = formatReference(ref);
  let fetched = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest', maxManifest);
  const manifestDigest = fetched.digest;
  let doc = parseManifestDocument(fetched, `manifest of ${name}`);
  for (let depth = 0; doc.kind === 'index'; depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw new OciError('wrong-media-type', `${name} nests image indexes more than ${MAX_INDEX_DEPTH} deep: pull one entry by digest`);
    const entry = chooseFromIndex(doc.index, name, opts.platform);
    fetched = await client.getManifest(ref.repository, entry.digest, maxManifest);
    if (fetched.mediaType !== entry.mediaType) {
      throw new OciError('wrong-media-type', `${name}: the index says ${entry.digest} is ${entry.mediaType}, the registry served ${fetched.mediaType}: re-push the image`);
    }
    doc = parseManifestDocument(fetched, `manifest ${entry.digest} of ${name}`);
  }
  const wasm = detectWasmLayer(doc.manifest, name);
  const limit = layerByteLimit(wasm.format, maxModule);
  if (wasm.layer.size > limit) {
    throw new OciError('too-large', `${name}: the module layer is ${formatBytes(wasm.layer.size)}, over the limit of ${formatBytes(limit)}: raise maxModuleBytes if this size is expected`);
  }
  return { reference: ref, manifestDigest, imageDigest: fetched.digest, manifest: doc.manifest, wasm };
}

/** Downloads the module layer of a resolved image (verified while streaming) and unpacks the module. */
export async function downloadWasmModule(client: RegistryClient, image: ResolvedImage, opts: PullOptions = {}): Promise<Buffer> {
  const maxModule = opts.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES;
  const progress = progressReporter(opts.onProgress);
  const { layer } = image.wasm;
  progress('download', 0, layer.size);
  const blob = await client.getBlob(image.reference.repository, layer, layerByteLimit(image.wasm.format, maxModule), (done) =>
    progress('download', done, layer.size),
  );
  return extractModule(image.wasm, blob, maxModule, formatReference(image.reference));
}

/** Pulls a module: `oci://host/repo:tag`, `host/repo@sha256:…`. */
export async function pullModule(reference: string | OciReference, opts: PullWith = {}): Promise<PulledModule> {
  const ref = typeof reference === 'string' ? parseOciReference(reference) : reference;
  const client = opts.client ?? new RegistryClient(ref.registry, opts);
  try {
    const image = await resolveWasmImage(client, ref, opts);
    const bytes = await downloadWasmModule(client, image, opts);
    progressReporter(opts.onProgress)('done', bytes.length, bytes.length);
    return { reference: ref, manifestDigest: image.manifestDigest, format: image.wasm.format, sha256: sha256Hex(bytes), size: bytes.length, bytes };
  } finally {
    if (!opts.client) client.close();
  }
}
