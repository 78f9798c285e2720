// @wasmfleet/rollout: the WasmRollout schema, the rollout state machine, analysis and canary assignment.
// Pure: no I/O, no timers, no clock of its own; shared by the server, the agent, the CLI and the dashboard.
export { parseDuration, formatDuration, durationSchema, MAX_DURATION_SECONDS } from './durations.js';
export { parsePercent, formatPercent, percentSchema } from './percent.js';
export * from './selectors.js';
export { FilterSpecSchema, ImageSchema, SlotNameSchema, FAILURE_POLICIES, MAX_CONFIG_BYTES, imageKind } from './filter-spec.js';
export type { FailurePolicy, ImageKind } from './filter-spec.js';
export * from './strategy-spec.js';
export * from './rollout-spec.js';
export { parseRolloutSpec, parseRolloutYaml, MAX_YAML_BYTES } from './parse-rollout.js';
export { RolloutSpecError, RolloutActionError, type FieldProblem, type RolloutActionErrorCode } from './errors.js';
export * from './rollout-status.js';
export { Reasons, withAutomaticRollback, withCanaryHeld, type Reason, type ReasonCode } from './reasons.js';
export * from './events.js';
export * from './effects.js';
export { describeStep, wavesUpTo, canarySeed } from './step-plan.js';
export { decide, initialStatus, type Decision } from './rollout-machine.js';
export type { DecideOptions } from './transition.js';
export { ACTION_PHASES, allowedActions } from './actions.js';
export * from './canary-assignment.js';
export { AssignmentEvaluator } from './assignment-evaluator.js';
export { CanaryIndex } from './canary-index.js';
export { unitHash } from './hash.js';
export * from './analysis.js';
export { recordMeasurement, concludeWindow, openWindow, type WindowLimits } from './analysis-window.js';
export { histogramQuantile, mergeHistograms, type LatencyHistogram, type Quantile } from './latency-histogram.js';
