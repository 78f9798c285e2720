// The moves every event handler builds on: entering a step, completing it, succeeding, failing (with or
// without the automatic rollback), rolling back, aborting and pausing.
import { openWindow } from './analysis-window.js';
import { Reasons, withAutomaticRollback, withCanaryHeld, type Reason } from './reasons.js';
import type { Artifact, PauseReason } from './rollout-status.js';
import { describeClusters } from './selectors.js';
import { canaryStateAt, describeStep, emptyCanary } from './step-plan.js';
import type { Transition } from './transition.js';

/** Enters step `index` and runs through every step that completes at once (a wave without analysis). */
export function enterStep(t: Transition, index: number): void {
  const s = t.status;
  for (let i = index; ; i++) {
    t.clearStepState();
    s.stepIndex = i;
    s.stepStartedAt = t.nowIso;
    s.currentStep = describeStep(t.steps, i);
    const step = t.steps[i];
    if (step === undefined) return succeed(t);
    switch (step.kind) {
      case 'wave':
        s.canary = canaryStateAt(t.steps, i, s.canary.seed);
        if (step.analysis === undefined) {
          t.notify('step-completed');
          continue;
        }
        return startAnalysis(t, step.analysis.duration);
      case 'analysis':
        return startAnalysis(t, step.analysis.duration);
      case 'pause':
        s.pauseReason = 'PauseStep';
        if (step.pause.duration !== undefined) t.schedule('pause-end', step.pause.duration);
        t.setPhase('Paused', Reasons.pauseStep(s.currentStep));
        t.notify('paused');
        return;
      case 'approval': {
        const timer = t.schedule('approval-timeout', step.approval.timeout);
        s.approval = {
          stepIndex: i,
          roles: [...step.approval.roles],
          requireComment: step.approval.requireComment,
          requestedAt: t.nowIso,
          timeoutAt: timer.at,
        };
        t.setPhase('AwaitingApproval', Reasons.awaitingApproval(step.approval.roles, step.approval.timeout));
        t.notify('awaiting-approval');
        return;
      }
    }
  }
}

function startAnalysis(t: Transition, seconds: number): void {
  const id = t.nextId('window');
  t.status.analysis = openWindow(id, t.status.stepIndex, t.now, seconds);
  t.schedule('analysis-window', seconds);
  t.setPhase('Progressing', Reasons.step(t.status.currentStep));
}

export function completeStep(t: Transition): void {
  t.notify('step-completed');
  enterStep(t, t.status.stepIndex + 1);
}

/** Every step done: the candidate becomes the stable version everywhere. */
export function succeed(t: Transition): void {
  const s = t.status;
  t.clearStepState();
  s.stepIndex = t.steps.length;
  s.currentStep = describeStep(t.steps, s.stepIndex);
  t.record('Succeeded');
  s.stable = s.candidate;
  s.canary = emptyCanary(s.canary.seed);
  t.setPhase('Succeeded', Reasons.succeeded(s.revision));
  t.notify('succeeded');
}

/** Stops the current step and holds the rollout in Paused for `why`. */
export function pauseFor(t: Transition, why: PauseReason, reason: Reason): void {
  t.clearStepState();
  t.status.pauseReason = why;
  t.setPhase('Paused', reason);
  t.notify('paused');
}

/** Every proxy back on `target` (null: no filter), at once: one assignment, no step replayed. */
export function rollbackTo(t: Transition, target: Artifact | null, reason: Reason): void {
  const s = t.status;
  t.clearStepState();
  t.record('RolledBack');
  if (target === null) delete s.stable;
  else s.stable = target;
  s.rolledBackTo = target?.revision ?? null;
  s.canary = emptyCanary(s.canary.seed);
  t.setPhase('RolledBack', reason);
  t.notify('rolled-back');
}

/**
 * The candidate failed (analysis, NACKs, rejection, approval timeout). With `rollback.automatic` and a canary
 * in flight, straight back to the stable version; otherwise Failed, with the canary held as it was so people
 * can look at it, until someone rolls back, aborts or retries.
 */
export function fail(t: Transition, cause: Reason): void {
  const s = t.status;
  t.notify('failed');
  t.auditReason = cause;
  const serving = s.canary.waves.length > 0;
  if (serving && t.spec.spec.strategy.rollback.automatic) {
    rollbackTo(t, s.stable ?? null, withAutomaticRollback(cause, s.stable?.revision ?? null));
    return;
  }
  t.clearStepState();
  t.record('Failed');
  const canary = `${Math.round(s.canary.share * 1000) / 10}% of proxies in ${describeClusters(s.canary.clusters)}`;
  t.setPhase('Failed', serving ? withCanaryHeld(cause, canary) : cause);
}

export function abort(t: Transition, by: string): void {
  const s = t.status;
  t.clearStepState();
  t.record('Aborted');
  s.canary = emptyCanary(s.canary.seed);
  t.setPhase('Aborted', Reasons.aborted(by, s.stable?.revision ?? null));
  t.notify('aborted');
}

/** Starts (or restarts) the current revision: validation first unless its module is already validated. */
export function startAttempt(t: Transition): void {
  const s = t.status;
  t.clearStepState();
  s.baseline = s.stable;
  if (s.baseline === undefined) delete s.baseline;
  s.canary = emptyCanary(s.canary.seed);
  s.approvals = [];
  delete s.nacks;
  delete s.rolledBackTo;
  s.stepIndex = 0;
  s.stepCount = t.steps.length;
  if (s.candidate.sha256 !== undefined) {
    t.notify('started');
    enterStep(t, 0);
    return;
  }
  s.currentStep = describeStep(t.steps, 0);
  delete s.stepStartedAt;
  t.setPhase('Validating', Reasons.validating(s.revision, s.candidate.image));
  t.startValidation = true;
}
