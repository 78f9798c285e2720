// The rollout state machine: decide(spec, status, event, now) → the next status and the effects to carry out.
//
// Contract:
// - Pure: no I/O, no clock of its own (`now` is an argument), the input status is never mutated.
// - `spec` is the normalized spec of the revision being rolled out (for `Applied`, the new revision's).
// - System events (Applied, Validation*, Tick, AnalysisResult, NackReported) never throw: one that no longer
//   applies (stale, repeated, early) is ignored and returns the input status, no effects, `ignored: true`.
// - Operator actions throw a RolloutActionError (invalid-transition, forbidden, four-eyes, comment-required,
//   unknown-revision) and change nothing; the server maps the code to an HTTP status at its edge.
// - Effects come in a fixed order, undoing before doing: CancelTimers, StopAnalysis, SetAssignment,
//   StartValidation, StartAnalysis, ScheduleTimer, RequestApproval, Notify…, Audit. At most one of each,
//   except Notify; the adapter stores the status first, then executes them.
import { applyAction } from './actions.js';
import { assignmentOf } from './canary-assignment.js';
import type { AuditSnapshot, Effect } from './effects.js';
import { isAction, type RolloutEvent } from './events.js';
import { Reasons, type Reason } from './reasons.js';
import type { Artifact, RolloutStatus } from './rollout-status.js';
import { rolloutIdOf, type WasmRollout } from './rollout-spec.js';
import { canarySeed, describeStep, emptyCanary } from './step-plan.js';
import { applySystemEvent } from './system-events.js';
import { Transition, type DecideOptions } from './transition.js';

export interface Decision {
  status: RolloutStatus;
  effects: Effect[];
  /** What happened (for an action, e.g. "approved by bob; …"); for an ignored event, why it was ignored. */
  reason: Reason;
  /** True when the event no longer applied: status is the input status and there are no effects. */
  ignored: boolean;
}

/**
 * A rollout that exists but has not started: `Applied` with the same revision starts it. `stable` is what
 * the slot runs today, if the rollout takes over from a previous one.
 */
export function initialStatus(spec: WasmRollout, revision: number, now: Date, options: { stable?: Artifact } = {}): RolloutStatus {
  const rolloutId = rolloutIdOf(spec.metadata);
  const reason = Reasons.pending(revision);
  return {
    rolloutId,
    slot: spec.spec.filter.slot,
    phase: 'Pending',
    revision,
    createdBy: '',
    stepIndex: 0,
    stepCount: spec.spec.strategy.steps.length,
    currentStep: describeStep(spec.spec.strategy.steps, 0),
    canary: emptyCanary(canarySeed(rolloutId, revision)),
    approvals: [],
    candidate: { revision, image: spec.spec.filter.image },
    ...(options.stable !== undefined && { stable: options.stable, baseline: options.stable }),
    timers: [],
    sequence: 0,
    reason,
    message: reason.message,
    updatedAt: now.toISOString(),
    history: [],
  };
}

export function decide(spec: WasmRollout, status: RolloutStatus, event: RolloutEvent, now: Date, options: DecideOptions = {}): Decision {
  const t = new Transition(spec, status, now, options, isAction(event) ? event : undefined);
  const outcome = isAction(event) ? applyAction(t, event) : applySystemEvent(t, event);
  if (outcome) return { status, effects: [], reason: outcome.ignored, ignored: true };
  t.status.updatedAt = t.nowIso;
  return { status: t.status, effects: effectsOf(t, status, event), reason: t.auditReason ?? t.status.reason, ignored: false };
}

const snapshot = (s: RolloutStatus): AuditSnapshot => ({ phase: s.phase, revision: s.revision, stepIndex: s.stepIndex });
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function effectsOf(t: Transition, before: RolloutStatus, event: RolloutEvent): Effect[] {
  const after = t.status;
  const effects: Effect[] = [];
  const base = { rolloutId: after.rolloutId };

  const cancelled = before.timers.filter((x) => !t.fired.includes(x.id) && !after.timers.some((y) => y.id === x.id)).map((x) => x.id);
  if (cancelled.length > 0) effects.push({ type: 'CancelTimers', timerIds: cancelled });
  if (before.analysis !== undefined && before.analysis.id !== after.analysis?.id) {
    effects.push({ type: 'StopAnalysis', windowId: before.analysis.id });
  }
  // A new revision always differs (its seed names the revision), so the adapter also learns a changed target.
  const assignment = assignmentOf(t.spec, after);
  if (!same(assignmentOf(t.spec, before), assignment)) {
    effects.push({ type: 'SetAssignment', ...assignment });
  }
  if (t.startValidation) {
    const sha256 = t.spec.spec.filter.sha256;
    effects.push({
      type: 'StartValidation',
      ...base,
      slot: after.slot,
      revision: after.revision,
      image: after.candidate.image,
      ...(sha256 !== undefined && { sha256 }),
    });
  }
  if (after.analysis !== undefined && after.analysis.id !== before.analysis?.id) {
    effects.push({
      type: 'StartAnalysis',
      ...base,
      slot: after.slot,
      windowId: after.analysis.id,
      candidate: after.candidate,
      stable: after.stable ?? null,
      startedAt: after.analysis.windowStartedAt,
      endsAt: after.analysis.windowEndsAt,
      intervalSeconds: t.thresholds.interval,
    });
  }
  for (const timer of after.timers) {
    if (!before.timers.some((x) => x.id === timer.id)) effects.push({ type: 'ScheduleTimer', ...timer });
  }
  if (after.approval !== undefined && !same(after.approval, before.approval)) {
    const { stepIndex, roles, timeoutAt } = after.approval;
    effects.push({ type: 'RequestApproval', ...base, revision: after.revision, stepIndex, roles, timeoutAt });
  }
  for (const notification of t.notifications) {
    effects.push({ type: 'Notify', event: notification, ...base, revision: after.revision, reason: after.reason });
  }
  const moved = !same(snapshot(before), snapshot(after));
  if (t.action !== undefined || moved) {
    effects.push({
      type: 'Audit',
      ...base,
      slot: after.slot,
      action: event.type,
      actor: t.action?.actor ?? ('actor' in event ? event.actor : 'system'),
      before: snapshot(before),
      after: snapshot(after),
      reason: t.auditReason ?? after.reason,
      ...(t.action?.comment !== undefined && { comment: t.action.comment }),
      at: t.nowIso,
    });
  }
  return effects;
}
