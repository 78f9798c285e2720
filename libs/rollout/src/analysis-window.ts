// The accounting of one analysis window: several measurements, a failure budget (failureLimit) and a run
// of failures in a row (consecutiveFailureLimit, which Argo Rollouts users asked for in #4792).
import type { AnalysisWindowState, Verdict } from './rollout-status.js';
import type { AnalysisThresholds } from './strategy-spec.js';

export type WindowLimits = Pick<AnalysisThresholds, 'failureLimit' | 'consecutiveFailureLimit'>;

export function openWindow(id: string, stepIndex: number, startedAt: Date, seconds: number): AnalysisWindowState {
  return {
    id,
    stepIndex,
    windowStartedAt: startedAt.toISOString(),
    windowEndsAt: new Date(startedAt.getTime() + seconds * 1000).toISOString(),
    measurements: 0,
    lastMeasurement: 0,
    passes: 0,
    failures: 0,
    consecutiveFailures: 0,
    inconclusives: 0,
  };
}

/** Counts one measurement; `failed` once failures exceed failureLimit or reach consecutiveFailureLimit in a row. */
export function recordMeasurement(
  window: AnalysisWindowState,
  measurement: { number: number; verdict: Verdict; details: readonly string[] },
  limits: WindowLimits,
): { window: AnalysisWindowState; failed: boolean } {
  const next: AnalysisWindowState = {
    ...window,
    measurements: window.measurements + 1,
    lastMeasurement: Math.max(window.lastMeasurement, measurement.number),
    lastVerdict: measurement.verdict,
    lastDetails: [...measurement.details],
  };
  if (measurement.verdict === 'Pass') {
    next.passes += 1;
    next.consecutiveFailures = 0;
  } else if (measurement.verdict === 'Fail') {
    next.failures += 1;
    next.consecutiveFailures += 1;
  } else {
    // Inconclusive neither breaks nor extends a run of failures.
    next.inconclusives += 1;
  }
  const failed =
    next.failures > limits.failureLimit ||
    (limits.consecutiveFailureLimit > 0 && next.consecutiveFailures >= limits.consecutiveFailureLimit);
  return { window: next, failed };
}

/**
 * At the window's end: it passed when at least one measurement passed and the last one was conclusive.
 * Otherwise it is inconclusive, and the rollout pauses: a window never passes for lack of evidence.
 */
export function concludeWindow(window: AnalysisWindowState): { passed: true } | { passed: false; details: string[] } {
  if (window.passes > 0 && window.lastVerdict !== 'Inconclusive') return { passed: true };
  return { passed: false, details: window.lastDetails ?? [] };
}
