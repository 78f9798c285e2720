// Health from a Prometheus that scrapes the proxies (cluster mode, or any setup with Prometheus already in
// place): one instant query per counter over the Prometheus HTTP API, evaluated at `until` with a window
// reaching back to `since`. Counts are Prometheus' increase(), rounded: it extrapolates to the window's
// edges, so they can exceed the true count by up to about one scrape interval's worth of traffic.
import type { HealthSample } from '@wasmfleet/rollout';
import { checkHealthQuery, HealthSourceError, type HealthQuery, type HealthSource } from './health-source.js';
import { parsePromValue } from './prometheus-text.js';
import { increaseQuery } from './promql.js';
import { cumulativeBucketsOf, latencyHistogramOf, SLOT_COUNTERS, SlotMetrics } from './slot-health-series.js';

export interface PrometheusHealthSourceOptions {
  /** Prometheus' base URL, e.g. `http://prometheus.monitoring:9090` (a path prefix is kept). */
  url: string;
  /** Extra label matchers for every query, e.g. `{ job: 'wasmfleet-proxies' }`. */
  matchers?: Record<string, string>;
  /** Extra request headers, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** Per query. Default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class PrometheusHealthSource implements HealthSource {
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: PrometheusHealthSourceOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new Error(`Prometheus URL ${JSON.stringify(options.url)} is not an absolute URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`Prometheus URL must be http(s), got ${base.protocol}`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async sample(query: HealthQuery): Promise<HealthSample> {
    checkHealthQuery(query);
    const labels = { ...this.options.matchers, slot: query.slot, version: query.version };
    const windowMs = Math.max(1, query.until.getTime() - query.since.getTime());
    const [requests, responses5xx, localReplies, wasmFailures, buckets] = await Promise.all([
      ...SLOT_COUNTERS.map((name) => this.instant(increaseQuery(SlotMetrics[name], labels, windowMs), query)),
      this.instant(increaseQuery(`${SlotMetrics.requestTime}_bucket`, labels, windowMs, ['le']), query),
    ]);
    const count = (v: VectorSample[]) => (v.length === 0 ? 0 : Math.max(0, Math.round(this.number(v[0]!, query))));
    const sample: HealthSample = {
      requests: count(requests!),
      responses5xx: count(responses5xx!),
      localReplies: count(localReplies!),
      wasmFailures: count(wasmFailures!),
      nacks: 0,
    };
    const cumulative = cumulativeBucketsOf(
      buckets!
        .map((s) => ({ le: parsePromValue(s.metric['le'] ?? '') ?? NaN, count: Math.max(0, Math.round(this.number(s, query))) }))
        .filter((b) => !Number.isNaN(b.le))
        .sort((a, b) => a.le - b.le),
    );
    return cumulative !== undefined ? { ...sample, latency: latencyHistogramOf(cumulative.bounds, cumulative.cumulative) } : sample;
  }

  private number(s: VectorSample, query: HealthQuery): number {
    const v = parsePromValue(s.value[1]);
    if (v === undefined || !Number.isFinite(v)) throw new HealthSourceError(`Prometheus returned ${s.value[1]} for ${JSON.stringify(s.metric)}`, query);
    return v;
  }

  private async instant(promql: string, query: HealthQuery): Promise<VectorSample[]> {
    const url = new URL('api/v1/query', this.base);
    const body = new URLSearchParams({ query: promql, time: (query.until.getTime() / 1000).toFixed(3) });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    const fail = (what: string, cause?: unknown): never => {
      throw new HealthSourceError(`Prometheus at ${url.origin}: ${what} (query: ${promql})`, query, { cause });
    };
    try {
      let res: Response;
      try {
        res = await this.fetch(url, {
          method: 'POST',
          redirect: 'manual',
          signal: abort.signal,
          headers: { ...this.options.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body,
        });
      } catch (err) {
        return fail(abort.signal.aborted ? `no answer within ${this.timeoutMs} ms` : `unreachable: ${(err as Error).message}`, err);
      }
      const text = await res.text();
      let json: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown } };
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        return fail(`HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
      }
      if (json.status !== 'success') return fail(`HTTP ${res.status}, ${json.errorType ?? 'error'}: ${json.error ?? text.slice(0, 200)}`);
      if (json.data?.resultType !== 'vector' || !Array.isArray(json.data.result)) return fail(`expected a vector result, got ${json.data?.resultType}`);
      return json.data.result as VectorSample[];
    } catch (err) {
      if (err instanceof HealthSourceError) throw err;
      return fail(`reading the answer failed: ${(err as Error).message}`, err);
    } finally {
      clearTimeout(timer);
    }
  }
}
