// Manifests and indexes as they come off the wire: checked for the media type we asked for and the shape we
// rely on, and the choice of one entry from an index (linux/amd64, or the single Wasm entry).
import { isDigest } from './digest.js';
import { OciError } from './errors.js';
import { isIndexType, isManifestType, MANIFEST_ACCEPT, MediaTypes } from './media-types.js';
import type { Descriptor, FetchedManifest } from './registry-client.js';

export interface ImageManifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface ImageIndex {
  mediaType: string;
  manifests: Descriptor[];
}

export type ManifestDocument = { kind: 'manifest'; manifest: ImageManifest } | { kind: 'index'; index: ImageIndex };

export interface Platform {
  os: string;
  architecture: string;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

function wrongType(what: string, why: string): OciError {
  return new OciError('wrong-media-type', `${what}: ${why}. Expected one of ${MANIFEST_ACCEPT.join(', ')}: re-push the module with \`wasmfleet push\``);
}

export function parseManifestDocument(fetched: FetchedManifest, what: string): ManifestDocument {
  const type = fetched.mediaType;
  if (!isManifestType(type) && !isIndexType(type)) {
    const hint = type.includes('manifest.v1') ? 'Docker schema 1 images are not supported' : `the registry served "${type || 'no media type'}"`;
    throw wrongType(what, hint);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(fetched.bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw wrongType(what, `the body is not JSON although served as ${type}`);
  }
  if (typeof doc !== 'object' || doc === null || doc.schemaVersion !== 2) throw wrongType(what, 'schemaVersion is not 2');
  if (typeof doc.mediaType === 'string' && doc.mediaType !== type) {
    throw wrongType(what, `served as ${type} but the document says ${doc.mediaType}`);
  }
  if (isIndexType(type)) {
    if (!Array.isArray(doc.manifests)) throw wrongType(what, 'an index without a manifests list');
    return { kind: 'index', index: { mediaType: type, manifests: doc.manifests.map((d, i) => descriptor(d, `${what} manifests[${i}]`)) } };
  }
  if (!Array.isArray(doc.layers)) throw wrongType(what, 'a manifest without layers');
  const manifest: ImageManifest = {
    mediaType: type,
    config: descriptor(doc.config, `${what} config`),
    layers: doc.layers.map((d, i) => descriptor(d, `${what} layers[${i}]`)),
  };
  if (doc.annotations && typeof doc.annotations === 'object') manifest.annotations = doc.annotations as Record<string, string>;
  if (typeof doc.artifactType === 'string') manifest.artifactType = doc.artifactType;
  return { kind: 'manifest', manifest };
}

function descriptor(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object' || typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || !isDigest(d.digest)) {
    throw wrongType(what, 'a descriptor without mediaType and a valid digest');
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw wrongType(what, 'a descriptor without a valid size');
  return d as Descriptor;
}

const isWasmEntry = (d: Descriptor) =>
  d.platform?.architecture === 'wasm' || (d.platform?.os ?? '').startsWith('wasi') || d.artifactType === MediaTypes.cncfConfig || d.artifactType === MediaTypes.soloConfig;

/** Picks the manifest to pull from an index: the wanted platform, else the one Wasm entry, else the only entry. */
export function chooseFromIndex(index: ImageIndex, what: string, platform: Platform = DEFAULT_PLATFORM): Descriptor {
  const entries = index.manifests.filter(
    (d) => (isManifestType(d.mediaType) || isIndexType(d.mediaType)) && d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
  const exact = entries.find((d) => d.platform?.os === platform.os && d.platform?.architecture === platform.architecture);
  if (exact) return exact;
  const wasm = entries.filter(isWasmEntry);
  if (wasm.length === 1) return wasm[0]!;
  if (entries.length === 1) return entries[0]!;
  const listed = entries.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ') || 'none';
  throw new OciError('not-wasm', `${what} is an index with no ${platform.os}/${platform.architecture} or single Wasm entry (entries: ${listed}): pass the platform to pull, or pull one entry by digest`);
}
