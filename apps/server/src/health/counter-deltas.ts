// How much cumulative counters grew between two scrapes of one proxy, across restarts: a counter that
// drops means the proxy restarted, so the step counts from zero (as Prometheus' increase() does, without
// its extrapolation). Pure: the scraper keeps the snapshots, this reads them.
import { SLOT_COUNTERS, sameBounds, type SlotCounters } from './slot-health-series.js';

export interface Snapshot {
  /** When the scrape was answered, epoch ms. */
  at: number;
  /** By slotKey(slot, version). */
  slots: Map<string, SlotCounters>;
}

export interface CounterIncrease {
  requests: number;
  responses5xx: number;
  localReplies: number;
  wasmFailures: number;
  /** Growth of the cumulative latency buckets (bounds, then +Inf); absent when no step had a histogram. */
  latency?: { bounds: readonly number[]; cumulative: number[] };
  /** The proxy exported histograms with different bounds over the interval: its latency is unusable. */
  latencyMismatch?: boolean;
  /** Steps where a counter dropped (the proxy restarted). */
  resets: number;
}

/** Index of the snapshot closest in time to `t` (the earlier one on a tie); snapshots sorted by `at`. */
export function nearestSnapshot(snapshots: readonly Snapshot[], t: number): number {
  let lo = 0;
  let hi = snapshots.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (snapshots[mid]!.at < t) lo = mid + 1;
    else hi = mid;
  }
  // lo: first at >= t (or the last one); the one before may be closer.
  if (lo > 0 && Math.abs(t - snapshots[lo - 1]!.at) <= Math.abs(snapshots[lo]!.at - t)) return lo - 1;
  return lo;
}

/** A counter of the pair went down: the proxy restarted between the two scrapes. */
export const countersDropped = (prev: SlotCounters, cur: SlotCounters): boolean =>
  SLOT_COUNTERS.some((name) => cur[name] < prev[name]) ||
  (prev.latency !== undefined &&
    cur.latency !== undefined &&
    sameBounds(prev.latency.bounds, cur.latency.bounds) &&
    cur.latency.cumulative.some((c, i) => c < prev.latency!.cumulative[i]!));

/** The proxy restarted between two scrapes: a pair's counters dropped, or a pair it exported vanished. */
export function restartedBetween(prev: Snapshot, cur: Snapshot): boolean {
  for (const [key, before] of prev.slots) {
    const after = cur.slots.get(key);
    if (after === undefined || countersDropped(before, after)) return true;
  }
  return false;
}

/**
 * The growth of one (slot, version)'s counters in one proxy between the snapshots nearest `sinceMs` and
 * `untilMs`, step by step so that several restarts in between are each handled. A series that appears
 * (new version, or first request after a restart) counts from zero.
 */
export function increaseBetween(snapshots: readonly Snapshot[], key: string, sinceMs: number, untilMs: number): CounterIncrease {
  const total: CounterIncrease = { requests: 0, responses5xx: 0, localReplies: 0, wasmFailures: 0, resets: 0 };
  if (snapshots.length === 0) return total;
  const start = nearestSnapshot(snapshots, sinceMs);
  const end = Math.max(start, nearestSnapshot(snapshots, untilMs));
  for (let i = start + 1; i <= end; i++) {
    const cur = snapshots[i]!.slots.get(key);
    if (cur === undefined) continue; // gone: the proxy restarted and has not served this pair since
    const prevRaw = snapshots[i - 1]!.slots.get(key);
    const reset = prevRaw !== undefined && countersDropped(prevRaw, cur);
    if (reset) total.resets++;
    const prev = reset ? undefined : prevRaw;
    for (const name of SLOT_COUNTERS) total[name] += cur[name] - (prev?.[name] ?? 0);
    if (cur.latency !== undefined) addLatency(total, cur.latency, prev?.latency);
  }
  return total;
}

function addLatency(total: CounterIncrease, cur: NonNullable<SlotCounters['latency']>, prev: SlotCounters['latency']): void {
  if (total.latency === undefined) total.latency = { bounds: cur.bounds, cumulative: cur.cumulative.map(() => 0) };
  if (!sameBounds(total.latency.bounds, cur.bounds) || (prev !== undefined && !sameBounds(prev.bounds, cur.bounds))) {
    total.latencyMismatch = true;
    return;
  }
  cur.cumulative.forEach((c, i) => (total.latency!.cumulative[i]! += c - (prev?.cumulative[i] ?? 0)));
}
