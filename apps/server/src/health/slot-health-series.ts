// The per-(slot, version) health series a proxy exports at /stats/prometheus (apps/proxy's filter chain),
// and how they become a HealthSample: counters as they are, the latency histogram from cumulative buckets
// to the per-bucket counts libs/rollout expects.
import type { HealthSample, LatencyHistogram } from '@wasmfleet/rollout';
import { histogramSeries, type MetricFamily } from './prometheus-text.js';

export const SlotMetrics = {
  requests: 'envoy_wasmfleet_slot_requests',
  responses5xx: 'envoy_wasmfleet_slot_responses_5xx',
  localReplies: 'envoy_wasmfleet_slot_local_replies',
  /** Has a `kind` label besides slot and version; summed over kinds. */
  wasmFailures: 'envoy_wasmfleet_slot_wasm_failures',
  /** Histogram in milliseconds: `_bucket{le}`, `_sum`, `_count`. */
  requestTime: 'envoy_wasmfleet_slot_request_time',
} as const;

export type SlotCounterName = 'requests' | 'responses5xx' | 'localReplies' | 'wasmFailures';
export const SLOT_COUNTERS: readonly SlotCounterName[] = ['requests', 'responses5xx', 'localReplies', 'wasmFailures'];

const FAMILY_NAMES = new Set<string>(Object.values(SlotMetrics));
/** For parsePrometheusText's `keep`: everything else a proxy exports is skipped unparsed. */
export const isSlotHealthFamily = (name: string): boolean => FAMILY_NAMES.has(name);

/** Cumulative counters of one (slot, version) in one proxy at one instant. */
export interface SlotCounters {
  requests: number;
  responses5xx: number;
  localReplies: number;
  wasmFailures: number;
  /** Cumulative latency buckets, or undefined when the proxy exports no histogram for the pair. */
  latency?: CumulativeBuckets;
}

export interface CumulativeBuckets {
  /** Finite upper bounds in ms, ascending. */
  bounds: readonly number[];
  /** Cumulative count per bound, then the total (the `+Inf` bucket). */
  cumulative: number[];
}

export const slotKey = (slot: string, version: string): string => `${slot}\u0000${version}`;

export const emptySample = (): HealthSample => ({ requests: 0, responses5xx: 0, localReplies: 0, wasmFailures: 0, nacks: 0 });

/**
 * The slot health counters in one parsed scrape, by slotKey(slot, version). Series without slot or version
 * labels are ignored; wasm failures of every kind are added up.
 */
export function slotCountersOf(families: Map<string, MetricFamily>): Map<string, SlotCounters> {
  const out = new Map<string, SlotCounters>();
  const entry = (labels: Record<string, string>) => {
    const { slot, version } = labels;
    if (slot === undefined || version === undefined) return undefined;
    const key = slotKey(slot, version);
    let counters = out.get(key);
    if (counters === undefined) out.set(key, (counters = { requests: 0, responses5xx: 0, localReplies: 0, wasmFailures: 0 }));
    return counters;
  };
  for (const name of SLOT_COUNTERS) {
    for (const s of families.get(SlotMetrics[name])?.samples ?? []) {
      const counters = entry(s.labels);
      if (counters !== undefined && Number.isFinite(s.value)) counters[name] += s.value;
    }
  }
  const histogram = families.get(SlotMetrics.requestTime);
  if (histogram !== undefined) {
    for (const series of histogramSeries(histogram)) {
      const counters = entry(series.labels);
      const buckets = counters && cumulativeBucketsOf(series.buckets, series.count);
      if (counters !== undefined && buckets !== undefined) counters.latency = buckets;
    }
  }
  return out;
}

/** Prometheus-style buckets (`le` ascending, `+Inf` = Infinity) → finite bounds and cumulative counts. */
export function cumulativeBucketsOf(buckets: readonly { le: number; count: number }[], count?: number): CumulativeBuckets | undefined {
  const finite = buckets.filter((b) => Number.isFinite(b.le));
  const inf = buckets.find((b) => b.le === Infinity)?.count ?? count;
  if (finite.length === 0 || inf === undefined) return undefined;
  return { bounds: finite.map((b) => b.le), cumulative: [...finite.map((b) => b.count), inf] };
}

/**
 * Cumulative bucket counts (possibly rounded or extrapolated, so not always monotonic) → per-bucket counts
 * with the overflow last, as LatencyHistogram holds them. A dip is read as zero, never as a negative count.
 */
export function latencyHistogramOf(bounds: readonly number[], cumulative: readonly number[]): LatencyHistogram {
  const counts: number[] = [];
  let below = 0;
  for (const c of cumulative) {
    const at = Math.max(below, c);
    counts.push(at - below);
    below = at;
  }
  return { bounds: [...bounds], counts };
}

export const sameBounds = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
