// Options shared by pull, push, module URLs and the cache, with their named defaults.
import type { CredentialSource } from './credentials.js';
import type { Resolver } from './ssrf-guard.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_MODULE_BYTES = 64 * 1024 * 1024;
/** Blobs above this go up in PATCH chunks; smaller ones in one PUT. */
export const DEFAULT_CHUNK_THRESHOLD = 8 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
export const DEFAULT_TAG_TTL_MS = 5 * 60_000;
export const DEFAULT_CACHE_MAX_BYTES = 1024 * 1024 * 1024;

export type ProgressPhase = 'resolve' | 'download' | 'upload' | 'done';

export interface Progress {
  phase: ProgressPhase;
  bytesDone: number;
  /** 0 when not known yet */
  bytesTotal: number;
}

/** How to reach registries and module URLs. */
export interface TransportOptions {
  /** ms until response headers, and the longest silence while a body streams. Default 30 s. */
  timeoutMs?: number;
  /** retries of GET/HEAD after a 5xx, 429 or broken connection, with backoff. Default 2. */
  retries?: number;
  /** first backoff, doubled per retry. Default 250 ms. */
  retryBackoffMs?: number;
  /** registries (host or host:port, or '*') that may be reached over plain HTTP. Loopback always may. */
  insecureRegistries?: readonly string[];
  /** false refuses loopback addresses too (a multi-tenant server should). Default true. */
  allowLoopback?: boolean;
  /** more CIDRs to refuse besides link-local and metadata addresses */
  blockedCidrs?: readonly string[];
  /** extra CA certificates (PEM) for registries with a private CA */
  ca?: string | Buffer;
  /** how host names are resolved before the address check (tests inject one) */
  resolver?: Resolver;
  /** cancels everything in flight */
  signal?: AbortSignal;
}

export interface RegistryOptions extends TransportOptions {
  /** where credentials come from (only this when given); default: env, then Docker/Podman config files */
  credentials?: CredentialSource;
}

export interface PullOptions extends RegistryOptions {
  /** default 64 MiB */
  maxModuleBytes?: number;
  /** default 4 MiB */
  maxManifestBytes?: number;
  /** which entry of an image index to take when it has several. Default linux/amd64. */
  platform?: { os: string; architecture: string };
  onProgress?: (p: Progress) => void;
}

export function progressReporter(onProgress: ((p: Progress) => void) | undefined) {
  return (phase: ProgressPhase, bytesDone: number, bytesTotal: number) => {
    if (!onProgress) return;
    try {
      onProgress({ phase, bytesDone, bytesTotal });
    } catch {
      // a drawing callback that throws must not break a pull
    }
  };
}
