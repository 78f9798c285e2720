// The catalogue of reasons a rollout is where it is. Every status, audit entry and notification carries one:
// a stable code for programs and a message for people. Messages are built here and nowhere else.
import { formatDuration } from './durations.js';

export type ReasonCode =
  | 'Pending'
  | 'Validating'
  | 'ValidationFailed'
  | 'StepProgress'
  | 'AwaitingApproval'
  | 'Approved'
  | 'Rejected'
  | 'ApprovalTimedOut'
  | 'AnalysisFailed'
  | 'AnalysisInconclusive'
  | 'Nacked'
  | 'PauseStep'
  | 'PausedByUser'
  | 'Succeeded'
  | 'Aborted'
  | 'RolledBack'
  | 'Superseded'
  | 'Ignored';

export interface Reason {
  code: ReasonCode;
  message: string;
}

const reason = (code: ReasonCode, message: string): Reason => ({ code, message });
const joined = (details: readonly string[], fallback: string) => (details.length > 0 ? details.join('; ') : fallback);
const revisionName = (revision: number | null) => (revision === null ? 'an empty slot' : `revision ${revision}`);

export const Reasons = {
  pending: (revision: number) => reason('Pending', `revision ${revision} is waiting to start`),
  validating: (revision: number, image: string) => reason('Validating', `validating revision ${revision}: ${image}`),
  validationFailed: (why: string) => reason('ValidationFailed', `validation failed: ${why}`),
  /** `step 2/4: 10% of proxies in canary-east` */
  step: (description: string) => reason('StepProgress', description),
  awaitingApproval: (roles: readonly string[], timeoutSeconds: number) =>
    reason('AwaitingApproval', `awaiting approval by ${roles.join(' or ')} (timeout ${formatDuration(timeoutSeconds)})`),
  approved: (by: string, next: string) => reason('Approved', `approved by ${by}; ${next}`),
  rejected: (by: string, comment: string | undefined) =>
    reason('Rejected', `rejected by ${by}${comment !== undefined && comment.trim() !== '' ? `: ${comment.trim()}` : ''}`),
  approvalTimedOut: (timeoutSeconds: number) =>
    reason('ApprovalTimedOut', `approval timed out: nobody approved within ${formatDuration(timeoutSeconds)}`),
  /** `analysis failed: error rate 4.2% > 1% (candidate) vs 0.1% (stable)` */
  analysisFailed: (details: readonly string[]) => reason('AnalysisFailed', `analysis failed: ${joined(details, 'too many failed measurements')}`),
  /** `inconclusive: 12 requests < 50 minimum` */
  inconclusive: (details: readonly string[]) => reason('AnalysisInconclusive', `inconclusive: ${joined(details, 'no verdict')}`),
  noPassingMeasurement: (windowSeconds: number, details: readonly string[]) =>
    reason(
      'AnalysisInconclusive',
      `inconclusive: no passing measurement in the ${formatDuration(windowSeconds)} window` +
        (details.length > 0 ? ` (last: ${details.join('; ')})` : ''),
    ),
  /** `NACKed by 3 proxies: <message>` */
  nacked: (count: number, message: string) =>
    reason('Nacked', `NACKed by ${count} ${count === 1 ? 'proxy' : 'proxies'}: ${message}`),
  pauseStep: (description: string) => reason('PauseStep', description),
  pausedBy: (by: string) => reason('PausedByUser', `paused by ${by}`),
  succeeded: (revision: number) => reason('Succeeded', `revision ${revision} is stable on every target proxy`),
  aborted: (by: string, stable: number | null) => reason('Aborted', `aborted by ${by}; proxies back on ${revisionName(stable)}`),
  /** `rolled back to revision 3 by alice` */
  rolledBack: (to: number | null, by: string) => reason('RolledBack', `rolled back to ${revisionName(to)} by ${by}`),
  superseded: (by: number) => reason('Superseded', `superseded by revision ${by}`),
  ignored: (why: string) => reason('Ignored', `ignored: ${why}`),
} as const;

/** A failure followed by the automatic rollback: the code stays the cause's, the message tells both. */
export function withAutomaticRollback(cause: Reason, to: number | null): Reason {
  return { code: cause.code, message: `${cause.message}; rolled back automatically to ${revisionName(to)}` };
}

/** A failure without automatic rollback: the canary stays where it was until someone acts. */
export function withCanaryHeld(cause: Reason, canary: string): Reason {
  return { code: cause.code, message: `${cause.message}; canary held (${canary}): roll back, abort or retry` };
}
