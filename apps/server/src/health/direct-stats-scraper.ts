// Direct mode health: the server scrapes every connected proxy's /stats/prometheus itself (the stats_url
// each ECDS node announces), keeps timestamped snapshots of the per-(slot, version) counters, and answers
// sample() as the growth of those counters between the snapshots nearest `since` and `until`, summed over
// proxies. A failing proxy is counted and skipped, never thrown: the others still count.
import type { HealthSample } from '@wasmfleet/rollout';
import { OutboundUrlError, redact, resolveOutboundUrl } from '../notifications/outbound-url.js';
import { increaseBetween, restartedBetween, type Snapshot } from './counter-deltas.js';
import { checkHealthQuery, type HealthQuery, type HealthSource } from './health-source.js';
import { PrometheusTextError, parsePrometheusText } from './prometheus-text.js';
import { emptySample, isSlotHealthFamily, latencyHistogramOf, sameBounds, slotCountersOf, slotKey } from './slot-health-series.js';

export type ScrapeFailure = 'targets' | 'invalid-url' | 'timeout' | 'network' | 'http-status' | 'too-large' | 'parse';

export interface ScrapeResult {
  url: string;
  ok: boolean;
  failure?: ScrapeFailure;
  /** What went wrong, for a log line (URL redacted). */
  message?: string;
  /** (slot, version) pairs found. */
  series?: number;
  durationMs: number;
}

export interface ScrapeReport {
  at: Date;
  results: ScrapeResult[];
}

export interface ScraperStats {
  scrapes: number;
  targetScrapes: number;
  failures: Record<ScrapeFailure, number>;
  /** Proxies with snapshots held. */
  proxies: number;
  /** Proxy restarts seen between consecutive scrapes (counters dropped or series vanished). */
  restarts: number;
  /** sample() calls whose latency was dropped because proxies export different buckets. */
  latencyMismatches: number;
}

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface DirectStatsScraperOptions {
  /** The stats URLs to scrape now; the server passes the stats_url of every connected ECDS node. */
  targets: () => readonly string[];
  /** Default 10 s. */
  intervalMs?: number;
  /** Per scrape, headers and body. Default 5 s. */
  timeoutMs?: number;
  /** Scrapes in flight at once. Default 16. */
  concurrency?: number;
  /** Larger bodies are refused. Default 16 MiB. */
  maxBodyBytes?: number;
  /** How long snapshots are kept; must cover the longest analysis window. Default 1 h. */
  retentionMs?: number;
  now?: () => Date;
  fetch?: typeof fetch;
  /** URL policy: throws OutboundUrlError to refuse. Default: resolveOutboundUrl (no link-local/metadata). */
  checkUrl?: (raw: string) => Promise<URL>;
  timers?: IntervalTimers;
  /** Called once per target per scrape: for metrics and logs. */
  onScrape?: (result: ScrapeResult) => void;
}

class ScrapeError extends Error {
  constructor(
    readonly failure: ScrapeFailure,
    message: string,
  ) {
    super(message);
  }
}

const defaultTimers: IntervalTimers = {
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class DirectStatsScraper implements HealthSource {
  private readonly o: Required<Omit<DirectStatsScraperOptions, 'onScrape'>> & Pick<DirectStatsScraperOptions, 'onScrape'>;
  /** Per proxy stats URL, snapshots in time order. */
  private readonly snapshots = new Map<string, Snapshot[]>();
  private inFlight: Promise<ScrapeReport> | undefined;
  private timer: unknown;
  private readonly counters: ScraperStats = {
    scrapes: 0,
    targetScrapes: 0,
    failures: { targets: 0, 'invalid-url': 0, timeout: 0, network: 0, 'http-status': 0, 'too-large': 0, parse: 0 },
    proxies: 0,
    restarts: 0,
    latencyMismatches: 0,
  };

  constructor(options: DirectStatsScraperOptions) {
    this.o = {
      targets: options.targets,
      intervalMs: options.intervalMs ?? 10_000,
      timeoutMs: options.timeoutMs ?? 5_000,
      concurrency: options.concurrency ?? 16,
      maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
      retentionMs: options.retentionMs ?? 60 * 60 * 1000,
      now: options.now ?? (() => new Date()),
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      checkUrl: options.checkUrl ?? ((raw) => resolveOutboundUrl(raw)),
      timers: options.timers ?? defaultTimers,
      onScrape: options.onScrape,
    };
    for (const k of ['intervalMs', 'timeoutMs', 'concurrency', 'maxBodyBytes', 'retentionMs'] as const) {
      if (!(this.o[k] > 0)) throw new RangeError(`DirectStatsScraper: ${k} must be > 0, got ${this.o[k]}`);
    }
  }

  /** Scrapes on an interval (and once now). Idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.o.timers.setInterval(() => void this.scrapeNow(), this.o.intervalMs);
    void this.scrapeNow();
  }

  /** Stops the interval and waits for a scrape in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) this.o.timers.clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Scrapes every target once; a call while a scrape is in flight joins it. Never rejects. */
  scrapeNow(): Promise<ScrapeReport> {
    this.inFlight ??= this.scrapeAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  stats(): ScraperStats {
    return { ...this.counters, failures: { ...this.counters.failures }, proxies: this.snapshots.size };
  }

  async sample(query: HealthQuery): Promise<HealthSample> {
    checkHealthQuery(query);
    const key = slotKey(query.slot, query.version);
    const total = emptySample();
    let bounds: readonly number[] | undefined;
    let cumulative: number[] | undefined;
    let mismatch = false;
    for (const snapshots of this.snapshots.values()) {
      const inc = increaseBetween(snapshots, key, query.since.getTime(), query.until.getTime());
      total.requests += inc.requests;
      total.responses5xx += inc.responses5xx;
      total.localReplies += inc.localReplies;
      total.wasmFailures += inc.wasmFailures;
      if (inc.latencyMismatch) mismatch = true;
      if (inc.latency === undefined) continue;
      if (bounds === undefined || cumulative === undefined) {
        bounds = inc.latency.bounds;
        cumulative = [...inc.latency.cumulative];
      } else if (sameBounds(bounds, inc.latency.bounds)) {
        inc.latency.cumulative.forEach((c, i) => (cumulative![i]! += c));
      } else {
        mismatch = true;
      }
    }
    if (mismatch) {
      // Adding histograms with different buckets would invent latencies: better no latency than a wrong one.
      this.counters.latencyMismatches++;
      return total;
    }
    return bounds !== undefined && cumulative !== undefined ? { ...total, latency: latencyHistogramOf(bounds, cumulative) } : total;
  }

  private async scrapeAll(): Promise<ScrapeReport> {
    this.counters.scrapes++;
    const at = this.o.now();
    let targets: string[];
    try {
      targets = [...new Set(this.o.targets())];
    } catch (err) {
      this.counters.failures.targets++;
      const result: ScrapeResult = { url: '', ok: false, failure: 'targets', message: `target provider failed: ${(err as Error).message}`, durationMs: 0 };
      this.o.onScrape?.(result);
      return { at, results: [result] };
    }
    const results = new Array<ScrapeResult>(targets.length);
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const i = next++;
        results[i] = await this.scrapeOne(targets[i]!);
        this.o.onScrape?.(results[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, targets.length) }, worker));
    this.prune();
    return { at, results };
  }

  private async scrapeOne(raw: string): Promise<ScrapeResult> {
    const started = performance.now();
    this.counters.targetScrapes++;
    try {
      const url = await this.o.checkUrl(raw).catch((err: unknown) => {
        throw new ScrapeError('invalid-url', err instanceof OutboundUrlError ? err.message : `invalid stats URL ${redact(raw)}: ${(err as Error).message}`);
      });
      const text = await this.fetchText(url);
      const slots = slotCountersOf(parsePrometheusText(text, { keep: isSlotHealthFamily }));
      this.record(url.href, { at: this.o.now().getTime(), slots });
      return { url: redact(raw), ok: true, series: slots.size, durationMs: performance.now() - started };
    } catch (err) {
      const e =
        err instanceof ScrapeError
          ? err
          : err instanceof PrometheusTextError
            ? new ScrapeError('parse', err.message)
            : new ScrapeError('parse', `unreadable stats: ${(err as Error).message}`);
      this.counters.failures[e.failure]++;
      return { url: redact(raw), ok: false, failure: e.failure, message: `scraping ${redact(raw)}: ${e.message}`, durationMs: performance.now() - started };
    }
  }

  private async fetchText(url: URL): Promise<string> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.o.timeoutMs);
    try {
      let res: Response;
      try {
        res = await this.o.fetch(url, { redirect: 'manual', signal: abort.signal, headers: { accept: 'text/plain;version=0.0.4' } });
      } catch (err) {
        if (abort.signal.aborted) throw new ScrapeError('timeout', `no answer within ${this.o.timeoutMs} ms`);
        throw new ScrapeError('network', describeNetworkError(err));
      }
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => undefined);
        const where = res.status >= 300 && res.status < 400 ? ` (redirect to ${res.headers.get('location') ?? '?'} not followed)` : '';
        throw new ScrapeError('http-status', `HTTP ${res.status}${where}`);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > this.o.maxBodyBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new ScrapeError('too-large', `body of ${declared} bytes > ${this.o.maxBodyBytes} allowed`);
      }
      return await this.readCapped(res, abort.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readCapped(res: Response, signal: AbortSignal): Promise<string> {
    if (res.body === null) return '';
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text + decoder.decode();
        bytes += value.byteLength;
        if (bytes > this.o.maxBodyBytes) {
          await reader.cancel().catch(() => undefined);
          throw new ScrapeError('too-large', `body larger than ${this.o.maxBodyBytes} bytes`);
        }
        text += decoder.decode(value, { stream: true });
      }
    } catch (err) {
      if (err instanceof ScrapeError) throw err;
      if (signal.aborted) throw new ScrapeError('timeout', `body not read within ${this.o.timeoutMs} ms`);
      throw new ScrapeError('network', describeNetworkError(err));
    }
  }

  private record(proxy: string, snapshot: Snapshot): void {
    const list = this.snapshots.get(proxy) ?? [];
    const previous = list.at(-1);
    if (previous !== undefined && previous.at <= snapshot.at && restartedBetween(previous, snapshot)) this.counters.restarts++;
    list.push(snapshot);
    if (list.length > 1 && list.at(-2)!.at > snapshot.at) list.sort((a, b) => a.at - b.at);
    this.snapshots.set(proxy, list);
  }

  /** Drops snapshots older than the retention, keeping the newest of them as the baseline for `since`. */
  private prune(): void {
    const cutoff = this.o.now().getTime() - this.o.retentionMs;
    for (const [proxy, list] of this.snapshots) {
      if (list.at(-1)!.at < cutoff) {
        this.snapshots.delete(proxy);
        continue;
      }
      let firstKept = 0;
      while (firstKept + 1 < list.length && list[firstKept + 1]!.at <= cutoff) firstKept++;
      if (firstKept > 0) list.splice(0, firstKept);
    }
  }
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
