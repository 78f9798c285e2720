import { describe, expect, it } from 'vitest';
import { increaseBetween, nearestSnapshot, restartedBetween, type Snapshot } from './counter-deltas.js';
import { latencyHistogramOf, slotKey, type SlotCounters } from './slot-health-series.js';

const KEY = slotKey('wasmfleet.ns.f', 'v2');
const counters = (requests: number, errors = 0, latency?: number[]): SlotCounters => ({
  requests,
  responses5xx: errors,
  localReplies: errors,
  wasmFailures: 0,
  ...(latency && { latency: { bounds: [1, 10], cumulative: latency } }),
});
/** One snapshot per entry, 10 s apart from t=0; `undefined` = the series was not exported at that scrape. */
const series = (...values: (SlotCounters | undefined)[]): Snapshot[] =>
  values.map((c, i) => ({ at: i * 10_000, slots: new Map(c === undefined ? [] : [[KEY, c]]) }));

describe('nearestSnapshot', () => {
  const snaps = series(counters(0), counters(0), counters(0)); // at 0, 10 s, 20 s
  it.each([
    [-5_000, 0],
    [0, 0],
    [4_999, 0],
    [5_000, 0], // a tie goes to the earlier one
    [5_001, 1],
    [14_000, 1],
    [16_000, 2],
    [99_000, 2],
  ])('t=%i → #%i', (t, index) => {
    expect(nearestSnapshot(snaps, t)).toBe(index);
  });
});

describe('increaseBetween', () => {
  it.each([
    { what: 'growth over the whole range', snaps: series(counters(10), counters(15), counters(25)), since: 0, until: 20_000, requests: 15, resets: 0 },
    { what: 'only between the snapshots nearest since and until', snaps: series(counters(10), counters(15), counters(25)), since: 9_000, until: 21_000, requests: 10, resets: 0 },
    { what: 'since and until nearest the same snapshot', snaps: series(counters(10), counters(15), counters(25)), since: 9_000, until: 11_000, requests: 0, resets: 0 },
    { what: 'until beyond the last snapshot', snaps: series(counters(10), counters(15)), since: 0, until: 60_000, requests: 5, resets: 0 },
    { what: 'a drop is a restart: count from zero', snaps: series(counters(10), counters(15), counters(3), counters(8)), since: 0, until: 30_000, requests: 13, resets: 1 },
    { what: 'two restarts', snaps: series(counters(10), counters(2), counters(9), counters(1)), since: 0, until: 30_000, requests: 10, resets: 2 },
    { what: 'a restart to a higher count goes unseen (as in Prometheus)', snaps: series(counters(10), counters(12)), since: 0, until: 10_000, requests: 2, resets: 0 },
    { what: 'a series that appears counts from zero', snaps: series(undefined, counters(4), counters(6)), since: 0, until: 20_000, requests: 6, resets: 0 },
    { what: 'a series that vanishes (restart) then reappears', snaps: series(counters(10), undefined, counters(2)), since: 0, until: 20_000, requests: 2, resets: 0 },
    { what: 'no snapshots of the pair at all', snaps: series(undefined, undefined), since: 0, until: 10_000, requests: 0, resets: 0 },
    { what: 'no snapshots', snaps: [], since: 0, until: 10_000, requests: 0, resets: 0 },
  ])('$what', ({ snaps, since, until, requests, resets }) => {
    const inc = increaseBetween(snaps, KEY, since, until);
    expect(inc.requests).toBe(requests);
    expect(inc.resets).toBe(resets);
  });

  it('treats the pair as reset when any counter drops, keeping the counters consistent', () => {
    const inc = increaseBetween(series(counters(10, 5), counters(12, 1)), KEY, 0, 10_000);
    // 5xx dropped from 5 to 1: a restart, so requests also count from zero (12, not 2).
    expect(inc).toMatchObject({ requests: 12, responses5xx: 1, localReplies: 1, resets: 1 });
  });

  it('adds latency buckets across steps and restarts', () => {
    const snaps = series(counters(3, 0, [1, 2, 3]), counters(6, 0, [2, 4, 6]), counters(2, 0, [0, 1, 2]));
    const inc = increaseBetween(snaps, KEY, 0, 20_000);
    expect(inc.latency?.cumulative).toEqual([1 + 0, 2 + 1, 3 + 2]);
    expect(latencyHistogramOf(inc.latency!.bounds, inc.latency!.cumulative)).toEqual({ bounds: [1, 10], counts: [1, 2, 2] });
    expect(inc.latencyMismatch).toBeUndefined();
  });

  it('flags latency it cannot add (bounds changed without a restart)', () => {
    const snaps = series(counters(3, 0, [1, 2, 3]), counters(6, 0, [2, 4, 6]));
    snaps[1]!.slots.get(KEY)!.latency = { bounds: [1, 5], cumulative: [2, 4, 6] };
    expect(increaseBetween(snaps, KEY, 0, 10_000).latencyMismatch).toBe(true);
  });
});

describe('restartedBetween', () => {
  it.each([
    { what: 'growth', snaps: series(counters(1, 1), counters(5, 2)), restarted: false },
    { what: 'a new pair', snaps: series(undefined, counters(5)), restarted: false },
    { what: 'a dropping counter', snaps: series(counters(5, 2), counters(6, 1)), restarted: true },
    { what: 'a vanished pair', snaps: series(counters(5), undefined), restarted: true },
  ])('$what → $restarted', ({ snaps, restarted }) => {
    expect(restartedBetween(snaps[0]!, snaps[1]!)).toBe(restarted);
  });
});

describe('latencyHistogramOf', () => {
  it.each([
    { cumulative: [1, 3, 3, 7], counts: [1, 2, 0, 4] },
    { cumulative: [0, 0, 0, 0], counts: [0, 0, 0, 0] },
    // Extrapolated or rounded inputs can dip; a dip is no negative count.
    { cumulative: [2, 1.5, 4, 4], counts: [2, 0, 2, 0] },
  ])('$cumulative → $counts', ({ cumulative, counts }) => {
    expect(latencyHistogramOf([1, 5, 10], cumulative).counts).toEqual(counts);
  });
});
