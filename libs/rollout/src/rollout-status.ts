// The durable state of one rollout: everything decide() needs besides the spec, JSON-serializable, stored by
// the server (Redis) with optimistic concurrency. Timers, approvals and intents live here, never in memory,
// so a restarted server carries on where it stopped.
import type { ClusterSelector } from './selectors.js';
import type { Reason } from './reasons.js';

export const PHASES = [
  'Pending',
  'Validating',
  'Progressing',
  'Paused',
  'AwaitingApproval',
  'Succeeded',
  'Failed',
  'RolledBack',
  'Aborted',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases in which the candidate may be served to proxies. */
export const ACTIVE_PHASES: readonly Phase[] = ['Progressing', 'Paused', 'AwaitingApproval'];

export type PauseReason = 'PauseStep' | 'Manual' | 'Inconclusive' | 'Nack';
export type Verdict = 'Pass' | 'Fail' | 'Inconclusive';
export type TimerKind = 'analysis-window' | 'pause-end' | 'approval-timeout';

/** One module version as proxies receive it. */
export interface Artifact {
  revision: number;
  image: string;
  /** Manifest digest (`sha256:…`) of an OCI image, once validated. */
  digest?: string;
  /** sha256 of the module bytes, once validated; proxies check it. */
  sha256?: string;
}

/** The candidate goes to `share` of the matching proxies in the clusters the selector picks. */
export interface CanaryWave {
  /** Absent: every target cluster. */
  clusters?: ClusterSelector;
  /** 0..1 */
  share: number;
}

export interface CanaryState {
  /** Every wave reached so far; a cluster's share is the largest of the waves that match it. */
  waves: CanaryWave[];
  /** The latest wave, for display. */
  clusters?: ClusterSelector;
  share: number;
  /** Feeds the assignment hash: `<namespace>/<name>#<revision>`. */
  seed: string;
}

export interface PendingTimer {
  id: string;
  kind: TimerKind;
  /** ISO time at which the timer is due. */
  at: string;
}

export interface ApprovalRequest {
  stepIndex: number;
  roles: string[];
  requireComment: boolean;
  requestedAt: string;
  timeoutAt: string;
}

export interface ApprovalRecord {
  stepIndex: number;
  by: string;
  at: string;
  comment?: string;
  via: 'Approve' | 'PromoteFull';
}

export interface AnalysisWindowState {
  id: string;
  stepIndex: number;
  windowStartedAt: string;
  windowEndsAt: string;
  /** Measurements counted so far. */
  measurements: number;
  /** The highest measurement number applied; a repeated or older one is a no-op. */
  lastMeasurement: number;
  passes: number;
  failures: number;
  consecutiveFailures: number;
  inconclusives: number;
  lastVerdict?: Verdict;
  lastDetails?: string[];
}

export type RevisionOutcome = 'Succeeded' | 'Failed' | 'RolledBack' | 'Aborted' | 'Superseded';

/** How one attempt at a revision ended; the rollback targets come from here. */
export interface RevisionRecord {
  artifact: Artifact;
  outcome: RevisionOutcome;
  at: string;
}

export interface RolloutStatus {
  /** `<namespace>/<name>` */
  rolloutId: string;
  slot: string;
  phase: Phase;
  /** The revision being rolled out (the candidate's). */
  revision: number;
  /** Who applied this revision; may not approve it (four-eyes). */
  createdBy: string;
  /** Index of the current step; equals the step count once every step is done. */
  stepIndex: number;
  stepCount: number;
  stepStartedAt?: string;
  /** e.g. `step 2/4: 10% of proxies in canary-east` */
  currentStep: string;
  canary: CanaryState;
  pauseReason?: PauseReason;
  approval?: ApprovalRequest;
  approvals: ApprovalRecord[];
  analysis?: AnalysisWindowState;
  /** NACKs of the candidate config seen for this attempt (a snapshot count, so redelivery is harmless). */
  nacks?: { count: number; message: string; at: string };
  /** What non-canary proxies run; absent: no filter in the slot yet. */
  stable?: Artifact;
  /** The stable version when this revision started: where a plain Rollback goes. */
  baseline?: Artifact;
  candidate: Artifact;
  /** Set by a rollback: the revision now served everywhere (null: the slot was emptied). */
  rolledBackTo?: number | null;
  timers: PendingTimer[];
  /** Counter for timer and analysis window ids. */
  sequence: number;
  reason: Reason;
  message: string;
  updatedAt: string;
  history: RevisionRecord[];
}

/** The most revision outcomes kept in status.history. */
export const HISTORY_LIMIT = 20;
