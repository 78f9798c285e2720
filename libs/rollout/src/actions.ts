// Operator actions. Each is checked first (phase, roles, four-eyes, comment) and refused with a
// RolloutActionError without touching anything; then applied through the shared step transitions.
import { RolloutActionError, type RolloutActionErrorCode } from './errors.js';
import type { ActionEvent, ActionType, Actor } from './events.js';
import { Reasons } from './reasons.js';
import type { Artifact, Phase, RolloutStatus } from './rollout-status.js';
import { describeStep } from './step-plan.js';
import { abort, completeStep, enterStep, fail, pauseFor, rollbackTo, startAttempt, succeed } from './step-transitions.js';
import type { DecideOptions, Transition } from './transition.js';

/** The phases in which each action may be taken (roles and other checks come on top). */
export const ACTION_PHASES: Readonly<Record<ActionType, readonly Phase[]>> = {
  Approve: ['AwaitingApproval'],
  Reject: ['AwaitingApproval'],
  Pause: ['Progressing'],
  Resume: ['Paused'],
  Promote: ['Progressing', 'Paused'],
  PromoteFull: ['Progressing', 'Paused', 'AwaitingApproval'],
  Abort: ['Pending', 'Validating', 'Progressing', 'Paused', 'AwaitingApproval', 'Failed'],
  Retry: ['Failed', 'RolledBack', 'Aborted'],
  Rollback: ['Validating', 'Progressing', 'Paused', 'AwaitingApproval', 'Succeeded', 'Failed', 'RolledBack', 'Aborted'],
};

/** The actions a phase allows, e.g. for the dashboard's buttons. */
export function allowedActions(status: Pick<RolloutStatus, 'phase'>): ActionType[] {
  return (Object.keys(ACTION_PHASES) as ActionType[]).filter((action) => ACTION_PHASES[action].includes(status.phase));
}

function refuse(t: Transition, code: RolloutActionErrorCode, action: ActionType, message: string): never {
  throw new RolloutActionError(code, action, t.status.phase, message);
}

interface Gate {
  roles: readonly string[];
  requireComment: boolean;
}

/** May `actor` pass this approval gate? Roles, then four-eyes, then the comment. */
function checkGate(t: Transition, action: ActionType, gate: Gate, actor: Actor, comment: string | undefined, options: DecideOptions): void {
  if (!actor.roles.some((role) => gate.roles.includes(role))) {
    refuse(t, 'forbidden', action, `${actor.id} has none of the roles this gate needs (${gate.roles.join(', ')})`);
  }
  if (!options.allowSelfApproval && actor.id === t.status.createdBy) {
    refuse(t, 'four-eyes', action, `${actor.id} applied revision ${t.status.revision} and may not approve it; ask another ${gate.roles.join(' or ')}`);
  }
  if (gate.requireComment && (comment === undefined || comment.trim() === '')) {
    refuse(t, 'comment-required', action, 'this approval gate requires a comment saying why');
  }
}

function approve(t: Transition, actor: Actor, comment: string | undefined, via: 'Approve' | 'PromoteFull', stepIndex: number): void {
  t.status.approvals.push({
    stepIndex,
    by: actor.id,
    at: t.nowIso,
    via,
    ...(comment !== undefined && comment.trim() !== '' && { comment: comment.trim() }),
  });
}

export function applyAction(t: Transition, event: ActionEvent): void {
  const s = t.status;
  if (!ACTION_PHASES[event.type].includes(s.phase)) {
    const hint =
      event.type === 'Promote' && s.phase === 'AwaitingApproval'
        ? 'an approval gate cannot be skipped by Promote; Approve it (or PromoteFull as an approver)'
        : `${event.type} is possible when ${ACTION_PHASES[event.type].join(', ')}`;
    refuse(t, 'invalid-transition', event.type, `${hint}; revision ${s.revision} is ${s.phase}`);
  }
  const { actor, comment } = event;
  switch (event.type) {
    case 'Approve': {
      const request = s.approval!;
      checkGate(t, 'Approve', request, actor, comment, t.options);
      approve(t, actor, comment, 'Approve', s.stepIndex);
      t.auditReason = Reasons.approved(actor.id, describeStep(t.steps, s.stepIndex + 1));
      return completeStep(t);
    }
    case 'Reject': {
      const request = s.approval!;
      if (!actor.roles.some((role) => request.roles.includes(role))) {
        refuse(t, 'forbidden', 'Reject', `${actor.id} has none of the roles this gate needs (${request.roles.join(', ')})`);
      }
      if (request.requireComment && (comment === undefined || comment.trim() === '')) {
        refuse(t, 'comment-required', 'Reject', 'this approval gate requires a comment saying why');
      }
      return fail(t, Reasons.rejected(actor.id, comment));
    }
    case 'Pause':
      return pauseFor(t, 'Manual', Reasons.pausedBy(actor.id));
    case 'Resume':
      // A pause step is done once resumed; any other pause re-runs the step it interrupted, analysis included.
      return s.pauseReason === 'PauseStep' ? completeStep(t) : enterStep(t, s.stepIndex);
    case 'Promote':
      return completeStep(t);
    case 'PromoteFull':
      // Skips waves, pauses and analyses, never approval gates: the actor must be able to pass each one left.
      t.steps.forEach((step, index) => {
        if (index >= s.stepIndex && step.kind === 'approval') {
          checkGate(t, 'PromoteFull', step.approval, actor, comment, t.options);
          approve(t, actor, comment, 'PromoteFull', index);
        }
      });
      return succeed(t);
    case 'Abort':
      return abort(t, actor.id);
    case 'Retry':
      return startAttempt(t);
    case 'Rollback': {
      const target = rollbackTarget(t, event.toRevision);
      if (s.canary.waves.length === 0 && target?.revision === s.stable?.revision && target?.sha256 === s.stable?.sha256) {
        refuse(t, 'invalid-transition', 'Rollback', `every proxy already runs ${target === null ? 'no filter' : `revision ${target.revision}`}; give toRevision to go further back`);
      }
      return rollbackTo(t, target, Reasons.rolledBack(target?.revision ?? null, actor.id));
    }
  }
}

/** Default: the stable version this revision started from. Explicit: any earlier revision with a validated module. */
function rollbackTarget(t: Transition, toRevision: number | undefined): Artifact | null {
  const s = t.status;
  if (toRevision === undefined) return s.baseline ?? null;
  if (!Number.isInteger(toRevision) || toRevision >= s.revision) {
    refuse(t, 'unknown-revision', 'Rollback', `revision ${toRevision} is not earlier than revision ${s.revision}`);
  }
  const known = [...s.history.map((h) => h.artifact), ...(s.baseline ? [s.baseline] : []), ...(s.stable ? [s.stable] : [])].filter(
    (a) => a.sha256 !== undefined,
  );
  const target = known.find((a) => a.revision === toRevision);
  if (target === undefined) {
    const revisions = [...new Set(known.map((a) => a.revision).filter((r) => r < s.revision))].sort((a, b) => a - b);
    refuse(t, 'unknown-revision', 'Rollback', `no validated module of revision ${toRevision} is known; known: ${revisions.join(', ') || 'none'}`);
  }
  return target;
}
