// Fetches remote Wasm module code as Envoy does: GET the URI, only 200 with a non-empty body, the sha256
// must match, bytes cached by digest (one fetch for concurrent callers), jittered retries with backoff
// (1 s base, 10 s max by default) and a short negative cache after the retries are exhausted.
import { createHash } from 'node:crypto';

export class ModuleFetchError extends Error {
  constructor(
    readonly uri: string,
    reason: string,
    /** Network errors and 5xx may pass; a wrong digest or a 404 will not. */
    readonly retryable = false,
  ) {
    super(`module ${uri}: ${reason}`);
    this.name = 'ModuleFetchError';
  }
}

export interface ModuleFetcherOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  maxBytes?: number;
  negativeCacheMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, timeoutMs: 10_000, maxBytes: 64 * 1024 * 1024, negativeCacheMs: 10_000 };

export class ModuleFetcher {
  private readonly byDigest = new Map<string, Uint8Array>();
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();
  private readonly failedUntil = new Map<string, { until: number; error: ModuleFetchError }>();
  private readonly o: Required<Omit<ModuleFetcherOptions, 'now' | 'sleep'>>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  fetches = 0;

  constructor(options: ModuleFetcherOptions = {}) {
    this.o = { ...DEFAULTS, ...options } as typeof this.o;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The module bytes whose sha256 is `sha256`, from the cache or fetched from `uri`. */
  get(uri: string, sha256: string): Promise<Uint8Array> {
    const cached = this.byDigest.get(sha256);
    if (cached) return Promise.resolve(cached);
    const failed = this.failedUntil.get(`${sha256} ${uri}`);
    if (failed && failed.until > this.now()) return Promise.reject(failed.error);
    let pending = this.inFlight.get(sha256);
    if (!pending) {
      pending = this.fetchWithRetries(uri, sha256).finally(() => this.inFlight.delete(sha256));
      this.inFlight.set(sha256, pending);
    }
    return pending;
  }

  private async fetchWithRetries(uri: string, sha256: string): Promise<Uint8Array> {
    let last: ModuleFetchError | undefined;
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      try {
        const bytes = await this.fetchOnce(uri, sha256);
        this.byDigest.set(sha256, bytes);
        return bytes;
      } catch (err) {
        last = err instanceof ModuleFetchError ? err : new ModuleFetchError(uri, (err as Error).message, true);
        if (!last.retryable) break;
        if (attempt < this.o.attempts) {
          const ceiling = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
          await this.sleep(ceiling / 2 + Math.random() * (ceiling / 2));
        }
      }
    }
    const reason = last!.message.replace(`module ${uri}: `, '');
    const error = new ModuleFetchError(uri, last!.retryable ? `${reason} (after ${this.o.attempts} attempts)` : reason);
    this.failedUntil.set(`${sha256} ${uri}`, { until: this.now() + this.o.negativeCacheMs, error });
    throw error;
  }

  private async fetchOnce(uri: string, sha256: string): Promise<Uint8Array> {
    this.fetches++;
    const res = await fetch(uri, { signal: AbortSignal.timeout(this.o.timeoutMs) });
    if (res.status !== 200) throw new ModuleFetchError(uri, `HTTP ${res.status}, expected 200`, res.status >= 500);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > this.o.maxBytes) throw new ModuleFetchError(uri, `${declared} bytes exceeds the ${this.o.maxBytes}-byte limit`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length === 0) throw new ModuleFetchError(uri, 'empty body');
    if (bytes.length > this.o.maxBytes) throw new ModuleFetchError(uri, `${bytes.length} bytes exceeds the ${this.o.maxBytes}-byte limit`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new ModuleFetchError(uri, `sha256 mismatch: expected ${sha256}, got ${actual}`);
    return bytes;
  }
}
