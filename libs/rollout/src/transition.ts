// The working copy one decide() call changes: a clone of the status, the clock, and the intents collected on
// the way (notifications, validation to start, the reason to audit). Effects are derived from it once, at
// the end (rollout-machine.ts), so a transition that passes through several steps still yields one
// assignment change, one timer schedule and one audit entry.
import type { ActionEvent } from './events.js';
import type { NotifyEvent } from './effects.js';
import type { Reason } from './reasons.js';
import type { Artifact, PendingTimer, Phase, RevisionOutcome, RolloutStatus, TimerKind } from './rollout-status.js';
import { HISTORY_LIMIT } from './rollout-status.js';
import type { WasmRollout } from './rollout-spec.js';

export interface DecideOptions {
  /** Lets the author of a revision approve it; off by default (four-eyes). */
  allowSelfApproval?: boolean;
}

export class Transition {
  readonly status: RolloutStatus;
  readonly notifications: NotifyEvent[] = [];
  startValidation = false;
  /** Timers that fired in this call: gone from the status, but not to be cancelled. */
  readonly fired: string[] = [];
  /** What the audit entry says happened, when it is more telling than the final status reason. */
  auditReason: Reason | undefined;

  constructor(
    readonly spec: WasmRollout,
    before: RolloutStatus,
    readonly now: Date,
    readonly options: DecideOptions,
    readonly action: ActionEvent | undefined,
  ) {
    this.status = structuredClone(before);
  }

  get nowIso(): string {
    return this.now.toISOString();
  }

  get steps() {
    return this.spec.spec.strategy.steps;
  }

  get thresholds() {
    return this.spec.spec.strategy.analysis;
  }

  setPhase(phase: Phase, reason: Reason): void {
    this.status.phase = phase;
    this.status.reason = reason;
    this.status.message = reason.message;
  }

  notify(event: NotifyEvent): void {
    if (!this.notifications.includes(event)) this.notifications.push(event);
  }

  /** A new id for a timer or analysis window, unique within the rollout's life. */
  nextId(kind: string): string {
    this.status.sequence += 1;
    return `r${this.status.revision}.s${this.status.stepIndex}.${kind}.${this.status.sequence}`;
  }

  schedule(kind: TimerKind, afterSeconds: number): PendingTimer {
    const timer = { id: this.nextId(kind), kind, at: new Date(this.now.getTime() + afterSeconds * 1000).toISOString() };
    this.status.timers.push(timer);
    return timer;
  }

  /** Ends whatever the current step was waiting for: its timers, its analysis window, its approval request. */
  clearStepState(): void {
    this.status.timers = [];
    delete this.status.analysis;
    delete this.status.approval;
    delete this.status.pauseReason;
  }

  record(outcome: RevisionOutcome, artifact: Artifact = this.status.candidate): void {
    this.status.history = [...this.status.history, { artifact, outcome, at: this.nowIso }].slice(-HISTORY_LIMIT);
  }
}
