// Events the server delivers: a new revision, validation results, timers, measurements, NACKs. Any of them
// may come twice or late (a crash between storing and acknowledging, a timer job re-run); one that no longer
// applies is ignored, never an error.
import { concludeWindow, recordMeasurement } from './analysis-window.js';
import type { SystemEvent } from './events.js';
import { Reasons, type Reason } from './reasons.js';
import { ACTIVE_PHASES, type PendingTimer } from './rollout-status.js';
import { canarySeed, emptyCanary } from './step-plan.js';
import { completeStep, enterStep, fail, pauseFor, startAttempt } from './step-transitions.js';
import type { Transition } from './transition.js';

export type Ignored = { ignored: Reason };
const ignore = (why: string): Ignored => ({ ignored: Reasons.ignored(why) });

export function applySystemEvent(t: Transition, event: SystemEvent): Ignored | void {
  switch (event.type) {
    case 'Applied':
      return onApplied(t, event);
    case 'ValidationSucceeded':
      return onValidationSucceeded(t, event);
    case 'ValidationFailed':
      return onValidationFailed(t, event);
    case 'Tick':
      return onTick(t, event);
    case 'AnalysisResult':
      return onAnalysisResult(t, event);
    case 'NackReported':
      return onNack(t, event);
  }
}

function onApplied(t: Transition, e: Extract<SystemEvent, { type: 'Applied' }>): Ignored | void {
  const s = t.status;
  if (e.revision < s.revision || (e.revision === s.revision && s.phase !== 'Pending')) {
    return ignore(`revision ${e.revision} is not newer than revision ${s.revision} (${s.phase})`);
  }
  if (e.revision > s.revision) {
    const inFlight = s.phase === 'Validating' || ACTIVE_PHASES.includes(s.phase) || (s.phase === 'Failed' && s.canary.waves.length > 0);
    if (inFlight) {
      t.record('Superseded');
      t.auditReason = Reasons.superseded(e.revision);
    }
    s.revision = e.revision;
    s.candidate = { revision: e.revision, image: t.spec.spec.filter.image };
    s.canary = emptyCanary(canarySeed(s.rolloutId, e.revision));
  }
  s.createdBy = e.actor.id;
  s.slot = t.spec.spec.filter.slot;
  startAttempt(t);
}

function onValidationSucceeded(t: Transition, e: Extract<SystemEvent, { type: 'ValidationSucceeded' }>): Ignored | void {
  const s = t.status;
  if (s.phase !== 'Validating' || e.revision !== s.revision) {
    return ignore(`validation of revision ${e.revision} arrived while revision ${s.revision} is ${s.phase}`);
  }
  const declared = t.spec.spec.filter.sha256;
  if (declared !== undefined && declared !== e.sha256) {
    t.record('Failed');
    t.setPhase('Failed', Reasons.validationFailed(`the module's sha256 is ${e.sha256}, spec.filter.sha256 says ${declared}`));
    t.notify('failed');
    return;
  }
  s.candidate = { ...s.candidate, sha256: e.sha256, ...(e.digest !== undefined && { digest: e.digest }) };
  t.notify('started');
  enterStep(t, 0);
}

function onValidationFailed(t: Transition, e: Extract<SystemEvent, { type: 'ValidationFailed' }>): Ignored | void {
  const s = t.status;
  if (s.phase !== 'Validating' || e.revision !== s.revision) {
    return ignore(`validation of revision ${e.revision} arrived while revision ${s.revision} is ${s.phase}`);
  }
  t.record('Failed');
  t.setPhase('Failed', Reasons.validationFailed(e.reason));
  t.notify('failed');
}

function onTick(t: Transition, e: Extract<SystemEvent, { type: 'Tick' }>): Ignored | void {
  const now = t.now.getTime();
  const due = t.status.timers
    .filter((timer) => (e.timerId === undefined || timer.id === e.timerId) && Date.parse(timer.at) <= now)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (due.length === 0) {
    return ignore(e.timerId !== undefined ? `timer ${e.timerId} is not pending or not yet due` : 'no timer is due');
  }
  for (const timer of due) {
    // An earlier timer may have moved the rollout on and cancelled this one.
    if (t.status.timers.some((pending) => pending.id === timer.id)) fire(t, timer);
  }
}

function fire(t: Transition, timer: PendingTimer): void {
  const s = t.status;
  s.timers = s.timers.filter((pending) => pending.id !== timer.id);
  t.fired.push(timer.id);
  switch (timer.kind) {
    case 'pause-end':
      return completeStep(t);
    case 'approval-timeout': {
      const step = t.steps[s.stepIndex];
      return fail(t, Reasons.approvalTimedOut(step?.kind === 'approval' ? step.approval.timeout : 0));
    }
    case 'analysis-window': {
      const window = s.analysis;
      if (window === undefined) return completeStep(t);
      const conclusion = concludeWindow(window);
      if (conclusion.passed) return completeStep(t);
      const seconds = (Date.parse(window.windowEndsAt) - Date.parse(window.windowStartedAt)) / 1000;
      const reason =
        window.passes === 0 ? Reasons.noPassingMeasurement(seconds, conclusion.details) : Reasons.inconclusive(conclusion.details);
      return pauseFor(t, 'Inconclusive', reason);
    }
  }
}

function onAnalysisResult(t: Transition, e: Extract<SystemEvent, { type: 'AnalysisResult' }>): Ignored | void {
  const s = t.status;
  const window = s.analysis;
  if (s.phase !== 'Progressing' || window === undefined || window.id !== e.windowId) {
    return ignore(`analysis window ${e.windowId} is not running`);
  }
  if (e.measurement <= window.lastMeasurement) {
    return ignore(`measurement ${e.measurement} of window ${e.windowId} was already counted`);
  }
  const { window: next, failed } = recordMeasurement(window, { number: e.measurement, verdict: e.verdict, details: e.details }, t.thresholds);
  if (failed) return fail(t, Reasons.analysisFailed(e.details));
  s.analysis = next;
}

function onNack(t: Transition, e: Extract<SystemEvent, { type: 'NackReported' }>): Ignored | void {
  const s = t.status;
  if (e.revision !== s.revision || !ACTIVE_PHASES.includes(s.phase)) {
    return ignore(`NACK of revision ${e.revision} while revision ${s.revision} is ${s.phase}`);
  }
  if (e.count <= (s.nacks?.count ?? 0)) {
    return ignore(`${e.count} NACKing proxies are already known (${s.nacks?.count ?? 0})`);
  }
  s.nacks = { count: e.count, message: e.message, at: t.nowIso };
  const reason = Reasons.nacked(e.count, e.message);
  if (e.count > t.thresholds.maxNacks) return fail(t, reason);
  pauseFor(t, 'Nack', reason);
}
