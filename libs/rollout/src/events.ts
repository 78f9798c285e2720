// What can happen to a rollout: system events (delivered by the server; stale or repeated ones are no-ops)
// and operator actions (carry an actor; refused with a RolloutActionError when they do not apply).
import type { Verdict } from './rollout-status.js';

export interface Actor {
  id: string;
  roles: readonly string[];
}

export type SystemEvent =
  /** A revision of the spec was applied: the first one starts the rollout, a newer one supersedes it. */
  | { type: 'Applied'; revision: number; actor: Actor }
  | { type: 'ValidationSucceeded'; revision: number; digest?: string; sha256: string }
  | { type: 'ValidationFailed'; revision: number; reason: string }
  /** A timer fired. With `timerId`, that timer only; without, every pending timer due at `now`. */
  | { type: 'Tick'; timerId?: string }
  /**
   * One measurement of an analysis window (see judge()): `windowId` is the one StartAnalysis gave, and
   * `measurement` numbers the measurements of that window from 1, so a redelivered one is recognised.
   */
  | { type: 'AnalysisResult'; windowId: string; measurement: number; verdict: Verdict; details: readonly string[] }
  /** `count` candidate proxies currently NACK the revision's config (a snapshot, not an increment). */
  | { type: 'NackReported'; revision: number; count: number; message: string };

export type ActionEvent =
  | { type: 'Approve'; actor: Actor; comment?: string }
  | { type: 'Reject'; actor: Actor; comment?: string }
  | { type: 'Pause'; actor: Actor; comment?: string }
  | { type: 'Resume'; actor: Actor; comment?: string }
  | { type: 'Promote'; actor: Actor; comment?: string }
  | { type: 'PromoteFull'; actor: Actor; comment?: string }
  | { type: 'Abort'; actor: Actor; comment?: string }
  | { type: 'Retry'; actor: Actor; comment?: string }
  | { type: 'Rollback'; actor: Actor; toRevision?: number; comment?: string };

export type RolloutEvent = SystemEvent | ActionEvent;
export type ActionType = ActionEvent['type'];

export const ACTION_TYPES: readonly ActionType[] = [
  'Approve',
  'Reject',
  'Pause',
  'Resume',
  'Promote',
  'PromoteFull',
  'Abort',
  'Retry',
  'Rollback',
];

export function isAction(event: RolloutEvent): event is ActionEvent {
  return (ACTION_TYPES as readonly string[]).includes(event.type);
}
