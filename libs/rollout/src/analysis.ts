// Judging one measurement: the candidate's health against absolute limits and against the stable version,
// from the per-(slot, version) samples agents report. Too little traffic is Inconclusive, never a Pass.
import { formatPercent } from './percent.js';
import { histogramQuantile, mergeHistograms, type LatencyHistogram, type Quantile } from './latency-histogram.js';
import type { Verdict } from './rollout-status.js';
import type { AnalysisThresholds } from './strategy-spec.js';

/** Health of one version in one slot over some interval, as agents report it (summed over proxies). */
export interface HealthSample {
  requests: number;
  responses5xx: number;
  /** Replies the filter (or Envoy) produced locally; not errors by themselves (5xx ones are in responses5xx). */
  localReplies: number;
  /** VM crashes, traps and fail-open bypasses: the filter did not do its job. */
  wasmFailures: number;
  /** Proxies NACKing this version's config. */
  nacks: number;
  latency?: LatencyHistogram;
}

export type JudgeThresholds = Pick<AnalysisThresholds, 'maxErrorRate' | 'maxLatencyIncrease' | 'maxNacks' | 'minRequests'>;

export interface VersionMeasurement {
  requests: number;
  errors: number;
  /** Percent. */
  errorRate: number;
  nacks: number;
  p99?: Quantile;
}

export interface Judgement {
  verdict: Verdict;
  /** Why: failures first, then what made it inconclusive, then notes (e.g. what could not be compared). */
  reasons: string[];
  measurements: { candidate: VersionMeasurement; stable?: VersionMeasurement; latencyIncrease?: number };
}

/** Sums samples (e.g. every proxy's, or every interval of a window). */
export function mergeSamples(samples: readonly HealthSample[]): HealthSample {
  const sum = (pick: (s: HealthSample) => number) => samples.reduce((total, s) => total + pick(s), 0);
  const latency = mergeHistograms(samples.flatMap((s) => (s.latency !== undefined ? [s.latency] : [])));
  return {
    requests: sum((s) => s.requests),
    responses5xx: sum((s) => s.responses5xx),
    localReplies: sum((s) => s.localReplies),
    wasmFailures: sum((s) => s.wasmFailures),
    nacks: sum((s) => s.nacks),
    ...(latency !== undefined && { latency }),
  };
}

function measure(sample: HealthSample): VersionMeasurement {
  // A fail-closed Wasm failure is also a 5xx, so the sum can count it twice; capping at the request count
  // keeps the rate meaningful, and erring high is the safe side for a canary.
  const errors = Math.min(sample.requests, sample.responses5xx + sample.wasmFailures);
  const p99 = sample.latency !== undefined ? histogramQuantile(sample.latency, 0.99) : undefined;
  return {
    requests: sample.requests,
    errors,
    errorRate: sample.requests > 0 ? (errors / sample.requests) * 100 : 0,
    nacks: sample.nacks,
    ...(p99 !== undefined && { p99 }),
  };
}

const ms = (q: Quantile) => `${q.overflow ? '> ' : ''}${Number(q.ms.toFixed(1))}ms`;

/** Compares the candidate with the stable version (absent for a first rollout) and with the limits. */
export function judge(candidateSample: HealthSample, stableSample: HealthSample | undefined, limits: JudgeThresholds): Judgement {
  const candidate = measure(candidateSample);
  const stable = stableSample !== undefined ? measure(stableSample) : undefined;
  const stableUsable = stable !== undefined && stable.requests >= limits.minRequests;
  const failures: string[] = [];
  const inconclusive: string[] = [];
  const notes: string[] = [];
  let latencyIncrease: number | undefined;

  if (candidate.nacks > limits.maxNacks) {
    failures.push(`NACKed by ${candidate.nacks} ${candidate.nacks === 1 ? 'proxy' : 'proxies'} > ${limits.maxNacks} allowed`);
  }

  const limit = formatPercent(limits.maxErrorRate);
  const stableRate = stableUsable ? `${formatPercent(stable.errorRate)} (stable)` : 'no stable baseline';
  if (candidate.requests < limits.minRequests) {
    // Even with little traffic, enough errors settle it: the rate cannot fall under the limit any more.
    const floorRate = (candidate.errors / limits.minRequests) * 100;
    if (floorRate > limits.maxErrorRate) {
      failures.push(
        `error rate ${formatPercent(candidate.errorRate)} > ${limit} (candidate: ${candidate.errors} errors in ` +
          `${candidate.requests} requests, too many even if the next ${limits.minRequests - candidate.requests} succeed)`,
      );
    } else {
      inconclusive.push(`${candidate.requests} requests < ${limits.minRequests} minimum`);
    }
  } else if (candidate.errorRate > limits.maxErrorRate) {
    if (stableUsable && stable.errorRate > limits.maxErrorRate && candidate.errorRate <= stable.errorRate + limits.maxErrorRate) {
      inconclusive.push(
        `error rate ${formatPercent(candidate.errorRate)} > ${limit} (candidate) but the stable version is as bad ` +
          `(${formatPercent(stable.errorRate)}): not attributable to the candidate`,
      );
    } else {
      failures.push(`error rate ${formatPercent(candidate.errorRate)} > ${limit} (candidate) vs ${stableRate}`);
    }
  }

  if (candidate.requests >= limits.minRequests && candidate.p99 !== undefined) {
    const c = candidate.p99;
    const s = stable?.p99;
    if (!stableUsable || s === undefined) {
      notes.push(`latency not compared: ${stable === undefined ? 'no stable version' : `stable has ${stable.requests} requests < ${limits.minRequests}`}`);
    } else if (c.overflow && s.overflow) {
      notes.push(`latency not compared: both p99 beyond the histogram's last bound (${ms(c)})`);
    } else if (c.overflow) {
      failures.push(`latency p99 ${ms(c)} (candidate) vs ${ms(s)} (stable): beyond the histogram`);
    } else if (s.ms <= 0) {
      notes.push('latency not compared: stable p99 is 0ms');
    } else {
      latencyIncrease = ((c.ms - s.ms) / s.ms) * 100;
      if (latencyIncrease > limits.maxLatencyIncrease) {
        failures.push(
          `latency p99 ${ms(c)} (candidate) vs ${ms(s)} (stable): +${formatPercent(latencyIncrease)} > ${formatPercent(limits.maxLatencyIncrease)}`,
        );
      }
    }
  }

  const verdict: Verdict = failures.length > 0 ? 'Fail' : inconclusive.length > 0 ? 'Inconclusive' : 'Pass';
  return {
    verdict,
    reasons: [...failures, ...inconclusive, ...notes],
    measurements: { candidate, ...(stable !== undefined && { stable }), ...(latencyIncrease !== undefined && { latencyIncrease }) },
  };
}
