import { describe, expect, it } from 'vitest';
import { judge, mergeSamples, type HealthSample, type JudgeThresholds } from './analysis.js';
import { concludeWindow, openWindow, recordMeasurement } from './analysis-window.js';
import { histogramQuantile, mergeHistograms, type LatencyHistogram } from './latency-histogram.js';

const limits: JudgeThresholds = { maxErrorRate: 1, maxLatencyIncrease: 20, maxNacks: 0, minRequests: 50 };
const BOUNDS = [10, 50, 100, 200, 500, 1000];

/** A histogram with every request in the bucket whose upper bound is `ms` (one more count spills into the overflow when ms is Infinity). */
function latencyAt(ms: number, requests: number): LatencyHistogram {
  const counts = new Array<number>(BOUNDS.length + 1).fill(0);
  const index = BOUNDS.findIndex((b) => b >= ms);
  counts[index === -1 ? BOUNDS.length : index] = requests;
  return { bounds: BOUNDS, counts };
}

function sample(requests: number, over: Partial<HealthSample> = {}, latencyMs = 100): HealthSample {
  return { requests, responses5xx: 0, localReplies: 0, wasmFailures: 0, nacks: 0, latency: latencyAt(latencyMs, requests), ...over };
}

describe('histogramQuantile', () => {
  it('interpolates inside the bucket holding the rank', () => {
    // 100 requests: 50 in (0,10], 50 in (10,50]; p99 is rank 99: 49/50 of the way through (10,50].
    expect(histogramQuantile({ bounds: [10, 50], counts: [50, 50, 0] }, 0.99)).toEqual({ ms: 10 + 40 * (49 / 50), overflow: false });
    expect(histogramQuantile({ bounds: [10, 50], counts: [100, 0, 0] }, 0.5)).toEqual({ ms: 5, overflow: false });
  });

  it('reports the overflow bucket as the last bound, flagged', () => {
    expect(histogramQuantile({ bounds: [10, 50], counts: [90, 0, 10] }, 0.99)).toEqual({ ms: 50, overflow: true });
  });

  it('has no quantile for an empty histogram', () => {
    expect(histogramQuantile({ bounds: [10], counts: [0, 0] }, 0.99)).toBeUndefined();
  });

  it('merges histograms with the same bounds and refuses different ones', () => {
    expect(mergeHistograms([{ bounds: [10], counts: [1, 2] }, { bounds: [10], counts: [3, 4] }])).toEqual({ bounds: [10], counts: [4, 6] });
    expect(() => mergeHistograms([{ bounds: [10], counts: [1, 2] }, { bounds: [20], counts: [1, 2] }])).toThrow(/bounds differ/);
    expect(mergeHistograms([])).toBeUndefined();
  });
});

describe('mergeSamples', () => {
  it('sums counters and histograms', () => {
    const merged = mergeSamples([sample(10, { responses5xx: 1, nacks: 1 }), sample(30, { wasmFailures: 2, localReplies: 3 })]);
    expect(merged).toMatchObject({ requests: 40, responses5xx: 1, wasmFailures: 2, localReplies: 3, nacks: 1 });
    expect(merged.latency?.counts.reduce((a, b) => a + b, 0)).toBe(40);
  });
});

describe('judge: the verdict table', () => {
  const cases: [string, HealthSample, HealthSample | undefined, 'Pass' | 'Fail' | 'Inconclusive', RegExp][] = [
    ['healthy candidate', sample(1000, { responses5xx: 5 }), sample(9000, { responses5xx: 9 }), 'Pass', /^$/],
    ['error rate over the limit', sample(1000, { responses5xx: 42 }), sample(10_000, { responses5xx: 10 }), 'Fail', /^error rate 4\.2% > 1% \(candidate\) vs 0\.1% \(stable\)$/],
    ['Wasm failures count as errors', sample(1000, { wasmFailures: 20 }), sample(1000), 'Fail', /^error rate 2% > 1% \(candidate\)/],
    ['local replies are not errors', sample(1000, { localReplies: 900 }), sample(1000), 'Pass', /^$/],
    ['too few requests', sample(12), sample(1000), 'Inconclusive', /^12 requests < 50 minimum$/],
    ['few requests but already hopeless', sample(12, { responses5xx: 10 }), sample(1000), 'Fail', /too many even if the next 38 succeed/],
    ['no traffic at all', sample(0), sample(1000), 'Inconclusive', /^0 requests < 50 minimum$/],
    ['a NACK', sample(1000, { nacks: 3 }), sample(1000), 'Fail', /^NACKed by 3 proxies > 0 allowed$/],
    ['latency +50%', sample(1000, {}, 150), sample(1000, {}, 100), 'Fail', /^latency p99 .* \(candidate\) vs .* \(stable\): \+\d+(\.\d+)?% > 20%$/],
    ['the same latency is fine', sample(1000, {}, 100), sample(1000, {}, 100), 'Pass', /^$/],
    // Stable: all in (100, 200] → p99 199ms. Candidates in (100, 230] → 228.7ms (+14.9%); (100, 250] → 248.5ms (+24.9%).
    ['latency +15% is within 20%', { ...sample(100), latency: { bounds: [100, 230], counts: [0, 100, 0] } }, { ...sample(100), latency: { bounds: [100, 200], counts: [0, 100, 0] } }, 'Pass', /^$/],
    ['latency +25% is over 20%', { ...sample(100), latency: { bounds: [100, 250], counts: [0, 100, 0] } }, { ...sample(100), latency: { bounds: [100, 200], counts: [0, 100, 0] } }, 'Fail', /^latency p99 248\.5ms \(candidate\) vs 199ms \(stable\): \+24\.87% > 20%$/],
    ['latency beyond the histogram', sample(1000, {}, Infinity), sample(1000, {}, 100), 'Fail', /beyond the histogram$/],
    ['both beyond the histogram', sample(1000, {}, Infinity), sample(1000, {}, Infinity), 'Pass', /^latency not compared: both p99/],
    ['no stable version (first rollout)', sample(1000), undefined, 'Pass', /^latency not compared: no stable version$/],
    ['stable with too little traffic', sample(1000), sample(10), 'Pass', /^latency not compared: stable has 10 requests < 50$/],
    ['errors without a stable baseline', sample(1000, { responses5xx: 30 }), undefined, 'Fail', /^error rate 3% > 1% \(candidate\) vs no stable baseline$/],
    ['stable is as bad as the candidate', sample(1000, { responses5xx: 52 }), sample(1000, { responses5xx: 50 }), 'Inconclusive', /not attributable to the candidate/],
    ['candidate much worse than a bad stable', sample(1000, { responses5xx: 200 }), sample(1000, { responses5xx: 50 }), 'Fail', /^error rate 20% > 1% \(candidate\) vs 5% \(stable\)$/],
  ];

  it.each(cases)('%s', (_, candidate, stable, verdict, firstReason) => {
    const result = judge(candidate, stable, limits);
    expect(result.verdict).toBe(verdict);
    expect(result.reasons[0] ?? '').toMatch(firstReason);
  });

  it('reports the measurements it judged', () => {
    const result = judge(sample(1000, { responses5xx: 42 }, 150), sample(10_000, { responses5xx: 10 }, 100), limits);
    expect(result.measurements.candidate).toMatchObject({ requests: 1000, errors: 42, errorRate: 4.2, nacks: 0 });
    expect(result.measurements.stable).toMatchObject({ requests: 10_000, errors: 10, errorRate: 0.1 });
    // Candidate: every request in (100, 200] → p99 = 100 + 100 × 0.99 = 199; stable in (50, 100] → 99.5.
    expect(result.measurements.candidate.p99).toEqual({ ms: 199, overflow: false });
    expect(result.measurements.stable?.p99).toEqual({ ms: 99.5, overflow: false });
    expect(result.measurements.latencyIncrease).toBeCloseTo(100, 9);
    expect(result.reasons[1]).toBe('latency p99 199ms (candidate) vs 99.5ms (stable): +100% > 20%');
  });

  it('lists every failure, NACKs first', () => {
    const result = judge(sample(1000, { responses5xx: 100, nacks: 1 }, 500), sample(1000, {}, 100), limits);
    expect(result.verdict).toBe('Fail');
    expect(result.reasons).toHaveLength(3);
    expect(result.reasons[0]).toMatch(/^NACKed by 1 proxy/);
    expect(result.reasons[1]).toMatch(/^error rate/);
    expect(result.reasons[2]).toMatch(/^latency p99/);
  });

  it('caps errors at the request count (a fail-closed Wasm failure is also a 5xx)', () => {
    expect(judge(sample(100, { responses5xx: 100, wasmFailures: 100 }), undefined, limits).measurements.candidate.errorRate).toBe(100);
  });

  it('tolerates NACKs up to maxNacks', () => {
    expect(judge(sample(1000, { nacks: 2 }), sample(1000), { ...limits, maxNacks: 2 }).verdict).toBe('Pass');
  });
});

describe('analysis window accounting', () => {
  const start = new Date('2026-03-01T10:00:00Z');
  const fresh = () => openWindow('w1', 0, start, 120);
  const run = (verdicts: ('Pass' | 'Fail' | 'Inconclusive')[], failureLimit: number, consecutiveFailureLimit: number) => {
    let window = fresh();
    let failedAt: number | undefined;
    verdicts.forEach((verdict, i) => {
      const next = recordMeasurement(window, { number: i + 1, verdict, details: [verdict] }, { failureLimit, consecutiveFailureLimit });
      window = next.window;
      if (next.failed && failedAt === undefined) failedAt = i + 1;
    });
    return { window, failedAt };
  };

  it('opens a window ending after its duration', () => {
    expect(fresh()).toMatchObject({ windowStartedAt: '2026-03-01T10:00:00.000Z', windowEndsAt: '2026-03-01T10:02:00.000Z', measurements: 0 });
  });

  it.each([
    ['fails once failures exceed failureLimit', ['Fail', 'Pass', 'Fail', 'Pass', 'Fail'], 2, 0, 5],
    ['failureLimit 0 fails on the first failure', ['Pass', 'Fail'], 0, 0, 2],
    ['fails on consecutive failures', ['Fail', 'Pass', 'Fail', 'Fail'], 5, 2, 4],
    ['a pass resets the run', ['Fail', 'Pass', 'Fail', 'Pass', 'Fail', 'Pass'], 5, 2, undefined],
    ['inconclusive does not break the run', ['Fail', 'Inconclusive', 'Fail'], 5, 2, 3],
    ['consecutive limit 0 is off', ['Fail', 'Fail', 'Fail'], 5, 0, undefined],
    ['all passing never fails', ['Pass', 'Pass', 'Pass'], 0, 1, undefined],
  ] as const)('%s', (_, verdicts, failureLimit, consecutive, failedAt) => {
    expect(run([...verdicts], failureLimit, consecutive).failedAt).toBe(failedAt);
  });

  it('counts each verdict', () => {
    const { window } = run(['Pass', 'Fail', 'Inconclusive', 'Pass'], 5, 0);
    expect(window).toMatchObject({ measurements: 4, lastMeasurement: 4, passes: 2, failures: 1, inconclusives: 1, consecutiveFailures: 0, lastVerdict: 'Pass' });
  });

  it.each([
    ['a pass ends it well', ['Pass'], true],
    ['a tolerated failure after a pass still passes', ['Pass', 'Fail'], true],
    ['no measurement is inconclusive', [], false],
    ['only inconclusive measurements are inconclusive', ['Inconclusive', 'Inconclusive'], false],
    ['ending on an inconclusive one is inconclusive', ['Pass', 'Inconclusive'], false],
    ['only tolerated failures do not pass', ['Fail'], false],
  ] as const)('concludeWindow: %s', (_, verdicts, passed) => {
    expect(concludeWindow(run([...verdicts], 5, 0).window).passed).toBe(passed);
  });

  it('hands back the last details when inconclusive', () => {
    expect(concludeWindow(run(['Inconclusive'], 5, 0).window)).toEqual({ passed: false, details: ['Inconclusive'] });
  });
});
