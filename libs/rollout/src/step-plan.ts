// Reading the strategy: what step i is, how to describe it, and which canary waves are in force at step i.
import { formatDuration } from './durations.js';
import type { CanaryState, CanaryWave } from './rollout-status.js';
import { describeClusters } from './selectors.js';
import type { RolloutStep } from './strategy-spec.js';

/** `step 2/4: 10% of proxies in canary-east, analysis 2m`; past the last step, `all 4 steps done`. */
export function describeStep(steps: readonly RolloutStep[], index: number): string {
  const step = steps[index];
  if (step === undefined) return `all ${steps.length} steps done`;
  const prefix = `step ${index + 1}/${steps.length}`;
  switch (step.kind) {
    case 'wave': {
      const analysis = step.analysis !== undefined ? `, analysis ${formatDuration(step.analysis.duration)}` : '';
      return `${prefix}: ${step.proxies}% of proxies in ${describeClusters(step.clusters)}${analysis}`;
    }
    case 'pause':
      return step.pause.duration !== undefined
        ? `${prefix}: pause for ${formatDuration(step.pause.duration)}`
        : `${prefix}: pause until resumed`;
    case 'approval':
      return `${prefix}: approval by ${step.approval.roles.join(' or ')} (timeout ${formatDuration(step.approval.timeout)})`;
    case 'analysis':
      return `${prefix}: analysis for ${formatDuration(step.analysis.duration)}`;
  }
}

/**
 * The waves in force once step `index` has been entered: every wave step up to and including it. Waves are
 * cumulative (a cluster's share is the largest that matches it), so a proxy that got the candidate keeps it
 * until the rollout ends, whatever the order of the waves.
 */
export function wavesUpTo(steps: readonly RolloutStep[], index: number): CanaryWave[] {
  const waves: CanaryWave[] = [];
  steps.slice(0, index + 1).forEach((step) => {
    if (step.kind === 'wave') {
      waves.push({ ...(step.clusters !== undefined && { clusters: step.clusters }), share: step.proxies / 100 });
    }
  });
  return waves;
}

export function canaryStateAt(steps: readonly RolloutStep[], index: number, seed: string): CanaryState {
  const waves = wavesUpTo(steps, index);
  const latest = waves.at(-1);
  return {
    waves,
    ...(latest?.clusters !== undefined && { clusters: latest.clusters }),
    share: latest?.share ?? 0,
    seed,
  };
}

export function emptyCanary(seed: string): CanaryState {
  return { waves: [], share: 0, seed };
}

/** The assignment seed: a new revision draws a new sample of canary proxies; a retry keeps the sample. */
export function canarySeed(rolloutId: string, revision: number): string {
  return `${rolloutId}#${revision}`;
}

/** Duration of the analysis window step `index` opens, if any (a wave with analysis, or an analysis step). */
export function analysisSecondsOf(step: RolloutStep | undefined): number | undefined {
  if (step?.kind === 'wave' || step?.kind === 'analysis') return step.analysis?.duration;
  return undefined;
}
