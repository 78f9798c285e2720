// @wasmfleet/oci: Wasm filter modules as OCI artifacts. Push and pull (solo, compat and CNCF formats), module
// URLs with a sha256, the address guard, and the content-addressed module cache whose one entry point is
// `new ModuleCache({ dir }).get(ref, { sha256? }) → { path, sha256, size, format }`. Errors are OciError with a code.
export { OciError, isOciError, type OciErrorCode } from './errors.js';
export { formatBytes } from './format-bytes.js';
export { MediaTypes, MANIFEST_ACCEPT } from './media-types.js';
export {
  parseReference,
  parseOciReference,
  formatReference,
  withDigest,
  type ModuleReference,
  type OciReference,
  type HttpReference,
} from './reference.js';
export { isDigest, parseDigest, parseSha256Hex, sha256Hex, sha256Digest } from './digest.js';
export {
  DEFAULT_TIMEOUT_MS,
  DEFAULT_RETRIES,
  DEFAULT_MAX_MANIFEST_BYTES,
  DEFAULT_MAX_MODULE_BYTES,
  DEFAULT_CHUNK_THRESHOLD,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_TAG_TTL_MS,
  DEFAULT_CACHE_MAX_BYTES,
  type Progress,
  type ProgressPhase,
  type TransportOptions,
  type RegistryOptions,
  type PullOptions,
} from './options.js';
export { defaultCredentials, defaultConfigPaths, type Credential, type CredentialSource } from './credentials.js';
export { parseWwwAuthenticate, type Challenge } from './auth.js';
export { AddressPolicy, METADATA_HOSTNAMES, type Resolver, type ResolvedAddress } from './ssrf-guard.js';
export { RegistryClient, type Descriptor, type UploadResult } from './registry-client.js';
export { WASM_FORMATS, type WasmImageFormat } from './wasm-formats.js';
export { buildWasmImage, type WasmImageOptions, type WasmImage } from './wasm-image-builder.js';
export { pullModule, resolveWasmImage, downloadWasmModule, type PulledModule, type ResolvedImage } from './pull.js';
export { pushModule, type PushOptions, type PushResult } from './push.js';
export { fetchHttpModule, type HttpModule, type HttpModuleOptions } from './http-source.js';
export { ModuleCache, type ModuleCacheOptions, type GetOptions, type CachedModule, type CacheStats } from './module-cache.js';
export type { ModuleFormat } from './cache-store.js';
