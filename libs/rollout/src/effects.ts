// What decide() asks the world to do. Plain data: the server adapter executes them after it has stored the
// new status, in the order given.
import type { Actor } from './events.js';
import type { Artifact, CanaryWave, Phase, TimerKind } from './rollout-status.js';
import type { Reason } from './reasons.js';
import type { ClusterSelector, WorkloadSelector } from './selectors.js';

export type NotifyEvent =
  | 'started'
  | 'step-completed'
  | 'awaiting-approval'
  | 'paused'
  | 'failed'
  | 'rolled-back'
  | 'succeeded'
  | 'aborted';

/** What ECDS serves for the slot; proxies pick candidate or stable with canary-assignment.ts. */
export interface Assignment {
  slot: string;
  rolloutId: string;
  target: { clusters: ClusterSelector; workloads: WorkloadSelector };
  /** null: no filter in the slot outside the canary. */
  stable: Artifact | null;
  /** null: nobody gets a candidate. */
  candidate: Artifact | null;
  waves: CanaryWave[];
  seed: string;
}

export interface AuditSnapshot {
  phase: Phase;
  revision: number;
  stepIndex: number;
}

export type Effect =
  | { type: 'CancelTimers'; timerIds: string[] }
  | ({ type: 'SetAssignment' } & Assignment)
  | { type: 'StartValidation'; rolloutId: string; slot: string; revision: number; image: string; sha256?: string }
  | {
      type: 'StartAnalysis';
      rolloutId: string;
      slot: string;
      windowId: string;
      candidate: Artifact;
      stable: Artifact | null;
      startedAt: string;
      endsAt: string;
      /** How often to measure, in seconds; each measurement covers the window so far. */
      intervalSeconds: number;
    }
  | { type: 'StopAnalysis'; windowId: string }
  | { type: 'ScheduleTimer'; id: string; kind: TimerKind; at: string }
  | { type: 'RequestApproval'; rolloutId: string; revision: number; stepIndex: number; roles: string[]; timeoutAt: string }
  | { type: 'Notify'; event: NotifyEvent; rolloutId: string; revision: number; reason: Reason }
  | {
      type: 'Audit';
      rolloutId: string;
      slot: string;
      action: string;
      actor: Actor | 'system';
      before: AuditSnapshot;
      after: AuditSnapshot;
      reason: Reason;
      comment?: string;
      at: string;
    };

export type EffectType = Effect['type'];
