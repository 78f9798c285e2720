// The content-addressed module cache and its one entry point: `get(ref) → { path, sha256, size, format }`.
// Digest references are immutable and answered from disk; tags are re-resolved after a TTL (only the manifest is
// fetched when the module is known); many callers asking for the same thing at once share one fetch.
import { CacheStore, type ModuleFormat, type RefRecord } from './cache-store.js';
import { parseSha256Hex, sha256Hex } from './digest.js';
import { OciError, isOciError } from './errors.js';
import { fetchHttpModule } from './http-source.js';
import { HttpTransport } from './http-transport.js';
import { DEFAULT_CACHE_MAX_BYTES, DEFAULT_TAG_TTL_MS, type Progress, type PullOptions } from './options.js';
import { downloadWasmModule, resolveWasmImage } from './pull.js';
import { formatReference, parseReference, type HttpReference, type OciReference } from './reference.js';
import { RegistryClient } from './registry-client.js';

export interface ModuleCacheOptions extends Omit<PullOptions, 'onProgress'> {
  /** the cache directory (created if missing) */
  dir: string;
  /** bound on the modules kept; least recently used go first. Default 1 GiB. */
  maxBytes?: number;
  /** how long a tag's resolution is trusted. Default 5 min. */
  tagTtlMs?: number;
  /** serve the last module of a tag when the registry cannot be reached to re-resolve it. Default true. */
  serveStaleOnError?: boolean;
  /** clock for access times and TTLs (tests set it) */
  now?: () => number;
}

export interface GetOptions {
  /**
   * Required for http(s) URLs: sha256 of the download. For OCI references, optional: the module's sha256 (or, as
   * Istio takes it, the manifest digest); a mismatch fails.
   */
  sha256?: string;
  /** 'Always' re-resolves tags now, ignoring the TTL (the module itself is still reused when unchanged) */
  pullPolicy?: 'IfNotPresent' | 'Always';
  onProgress?: (p: Progress) => void;
  /** stop waiting (a fetch shared with other callers goes on for them) */
  signal?: AbortSignal;
}

export interface CachedModule {
  path: string;
  /** hex sha256 of the module bytes */
  sha256: string;
  size: number;
  format: ModuleFormat;
  /** for OCI references: the digest the reference resolved to */
  manifestDigest?: string;
  /** true when no network fetch was needed */
  fromCache: boolean;
  /** true when a tag could not be re-resolved and its last known module was served */
  stale?: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  fetchFailures: number;
  evictions: number;
  bytes: number;
  entries: number;
}

export class ModuleCache {
  private readonly store: CacheStore;
  private readonly ready: Promise<void>;
  private readonly flights = new Map<string, Promise<CachedModule>>();
  private readonly clients = new Map<string, RegistryClient>();
  private readonly transport: HttpTransport;
  private readonly now: () => number;
  private readonly counters = { hits: 0, misses: 0, fetchFailures: 0 };

  constructor(private readonly opts: ModuleCacheOptions) {
    this.now = opts.now ?? Date.now;
    this.store = new CacheStore(opts.dir, opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES, this.now);
    this.ready = this.store.init();
    this.transport = new HttpTransport(opts);
  }

  async get(reference: string, opts: GetOptions = {}): Promise<CachedModule> {
    await this.ready;
    const ref = parseReference(reference);
    const key = `${formatReference(ref)}#${opts.sha256 ?? ''}#${opts.pullPolicy ?? ''}`;
    let flight = this.flights.get(key);
    if (!flight) {
      flight = (ref.kind === 'http' ? this.getHttp(ref, opts) : this.getOci(ref, opts)).then(
        (m) => {
          if (m.fromCache) this.counters.hits++;
          else this.counters.misses++;
          return m;
        },
        (err: unknown) => {
          this.counters.fetchFailures++;
          throw err;
        },
      );
      this.flights.set(key, flight);
      const forget = () => this.flights.delete(key);
      flight.then(forget, forget);
    }
    return opts.signal ? raceAbort(flight, opts.signal) : flight;
  }

  stats(): CacheStats {
    return { ...this.counters, evictions: this.store.evictions, bytes: this.store.bytes, entries: this.store.list().length };
  }

  /** A cached module by the sha256 of its bytes (marks it used), for serving modules to proxies. */
  async bySha256(sha256: string): Promise<{ path: string; size: number } | undefined> {
    await this.ready;
    const stored = await this.store.get(sha256);
    return stored && { path: stored.path, size: stored.size };
  }

  /** Modules on disk, most recently used first. */
  list() {
    return this.store.list().map((m) => ({ ...m, path: this.store.modulePath(m.sha256) }));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.transport.close();
  }

  private async getHttp(ref: HttpReference, opts: GetOptions): Promise<CachedModule> {
    if (!opts.sha256) throw new OciError('invalid-reference', `${ref.url.href}: module URLs need the sha256 of the module; pass sha256`);
    const expected = parseSha256Hex(opts.sha256);
    const key = `http:${expected}`;
    const hit = await this.fromRef(key);
    if (hit) return hit;
    const m = await fetchHttpModule(ref.url, expected, { ...this.opts, transport: this.transport, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    const stored = await this.store.put(m.sha256, m.bytes);
    await this.store.writeRef({ key, sha256: m.sha256, size: stored.size, format: 'http', resolvedAt: this.now() });
    return { path: stored.path, sha256: m.sha256, size: stored.size, format: 'http', fromCache: false };
  }

  private async getOci(ref: OciReference, opts: GetOptions): Promise<CachedModule> {
    const name = formatReference(ref);
    const pinnedKey = (digest: string) => `oci:${ref.registry}/${ref.repository}@${digest}`;
    const tagKey = `oci:${name}`;
    let staleTag: RefRecord | undefined;
    if (ref.digest) {
      const hit = await this.fromRef(pinnedKey(ref.digest));
      if (hit) return this.checkExpected(hit, opts, name);
    } else {
      const rec = await this.store.readRef(tagKey);
      const fresh = rec && this.now() - rec.resolvedAt < (this.opts.tagTtlMs ?? DEFAULT_TAG_TTL_MS);
      if (rec && fresh && opts.pullPolicy !== 'Always') {
        const hit = await this.fromRef(tagKey, rec);
        if (hit) return this.checkExpected(hit, opts, name);
      }
      staleTag = rec;
    }
    const client = this.client(ref.registry);
    const pull = { ...this.opts, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
    let image;
    try {
      image = await resolveWasmImage(client, ref, pull);
    } catch (err) {
      const stale = staleTag && (this.opts.serveStaleOnError ?? true) && isOciError(err) && ['unreachable', 'timeout', 'registry-error'].includes(err.code);
      const hit = stale ? await this.fromRef(tagKey, staleTag) : undefined;
      if (hit) return this.checkExpected({ ...hit, stale: true }, opts, name);
      throw err;
    }
    const known = await this.fromRef(pinnedKey(image.manifestDigest));
    let result: CachedModule;
    if (known) {
      result = { ...known, fromCache: false };
    } else {
      const bytes = await downloadWasmModule(client, image, pull);
      const sha256 = sha256Hex(bytes);
      this.checkExpected({ sha256, manifestDigest: image.manifestDigest }, opts, name);
      const stored = await this.store.put(sha256, bytes);
      result = { path: stored.path, sha256, size: stored.size, format: image.wasm.format, manifestDigest: image.manifestDigest, fromCache: false };
      await this.store.writeRef({ key: pinnedKey(image.manifestDigest), sha256, size: stored.size, format: image.wasm.format, manifestDigest: image.manifestDigest, resolvedAt: this.now() });
    }
    if (!ref.digest) {
      await this.store.writeRef({ key: tagKey, sha256: result.sha256, size: result.size, format: result.format, manifestDigest: image.manifestDigest, resolvedAt: this.now() });
    }
    return this.checkExpected(result, opts, name);
  }

  /** The module a ref record points at, if both are still on disk. */
  private async fromRef(key: string, known?: RefRecord): Promise<CachedModule | undefined> {
    const rec = known ?? (await this.store.readRef(key));
    if (!rec) return undefined;
    const stored = await this.store.get(rec.sha256);
    if (!stored) return undefined;
    return { path: stored.path, sha256: rec.sha256, size: stored.size, format: rec.format, ...(rec.manifestDigest ? { manifestDigest: rec.manifestDigest } : {}), fromCache: true };
  }

  private checkExpected<T extends { sha256: string; manifestDigest?: string }>(m: T, opts: GetOptions, name: string): T {
    if (!opts.sha256) return m;
    const expected = parseSha256Hex(opts.sha256);
    if (expected === m.sha256 || `sha256:${expected}` === m.manifestDigest) return m;
    throw new OciError(
      'digest-mismatch',
      `${name}: expected sha256 ${expected}, but the module's sha256 is ${m.sha256} and its manifest digest ${m.manifestDigest ?? 'unknown'}: the tag moved or the pinned sha256 is wrong; update the sha256 (nothing was cached)`,
    );
  }

  private client(registry: string): RegistryClient {
    let c = this.clients.get(registry);
    if (!c) {
      c = new RegistryClient(registry, { ...this.opts, transport: this.transport });
      this.clients.set(registry, c);
    }
    return c;
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new OciError('aborted', 'the module request was cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new OciError('aborted', 'the module request was cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
