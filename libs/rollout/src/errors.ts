// The domain errors of this package. They say what was expected, what was found and what to do; the
// server maps them to HTTP statuses at its edge (never the other way round).

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `spec.strategy.steps.1.approval.timeout`. */
  field: string;
  reason: string;
}

/** A WasmRollout document that does not satisfy the schema; carries every problem, each naming its field. */
export class RolloutSpecError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field || '(document)'}: ${p.reason}`).join('; '));
    this.name = 'RolloutSpecError';
  }
}

export type RolloutActionErrorCode =
  /** The action makes no sense in the rollout's phase (e.g. Approve while Progressing). */
  | 'invalid-transition'
  /** The actor lacks a role the action needs (e.g. none of the approval gate's roles). */
  | 'forbidden'
  /** The author of the revision tried to approve it. */
  | 'four-eyes'
  /** The approval gate requires a comment and none was given. */
  | 'comment-required'
  /** Rollback to a revision this rollout has no validated artifact for. */
  | 'unknown-revision';

/** An operator action that decide() refuses; nothing was changed. */
export class RolloutActionError extends Error {
  constructor(
    readonly code: RolloutActionErrorCode,
    readonly action: string,
    readonly phase: string,
    message: string,
  ) {
    super(`${action} refused (${code}) in phase ${phase}: ${message}`);
    this.name = 'RolloutActionError';
  }
}
