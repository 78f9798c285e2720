// spec.strategy: the steps of a rollout, the analysis thresholds and the rollback policy.
// Each step is exactly one of: a wave, a pause, an approval gate or an analysis. The user writes no
// discriminator; the keys decide, and the normalized step carries `kind` so code can switch on it.
import { z } from 'zod';
import { durationSchema } from './durations.js';
import { percentSchema } from './percent.js';
import { WaveClustersSchema } from './selectors.js';

export const MAX_STEPS = 50;

const AnalysisWindowSchema = z.object({ duration: durationSchema(1) }).strict();

export const WaveStepSchema = z
  .object({
    kind: z.literal('wave').default('wave'),
    /** Restricts the wave to these clusters (within the target); absent = every target cluster. */
    clusters: WaveClustersSchema.optional(),
    /** Share of the matching proxies that get the candidate, in percent. */
    proxies: percentSchema({ exclusiveMin: 0, max: 100 }),
    analysis: AnalysisWindowSchema.optional(),
  })
  .strict();

export const PauseStepSchema = z
  .object({
    kind: z.literal('pause').default('pause'),
    /** No duration: paused until someone resumes or promotes. */
    pause: z.object({ duration: durationSchema(1).optional() }).strict(),
  })
  .strict();

export const ApprovalStepSchema = z
  .object({
    kind: z.literal('approval').default('approval'),
    approval: z
      .object({
        /** Any one of these roles may approve. */
        roles: z.array(z.string().min(1).max(128)).min(1, 'name at least one role that may approve'),
        /** Approvals never wait forever (Flagger's WaitingPromotion did); 24h unless given. */
        timeout: durationSchema(60).default(86_400),
        requireComment: z.boolean().default(false),
      })
      .strict(),
  })
  .strict();

export const AnalysisStepSchema = z
  .object({
    kind: z.literal('analysis').default('analysis'),
    analysis: AnalysisWindowSchema,
  })
  .strict();

export type WaveStep = z.output<typeof WaveStepSchema>;
export type PauseStep = z.output<typeof PauseStepSchema>;
export type ApprovalStep = z.output<typeof ApprovalStepSchema>;
export type AnalysisStep = z.output<typeof AnalysisStepSchema>;
export type RolloutStep = WaveStep | PauseStep | ApprovalStep | AnalysisStep;
export type StepKind = RolloutStep['kind'];

const STEP_SCHEMAS = {
  wave: WaveStepSchema,
  pause: PauseStepSchema,
  approval: ApprovalStepSchema,
  analysis: AnalysisStepSchema,
} as const;

/** The kind a step's keys imply; `proxies` or `clusters` make a wave, otherwise its single key names it. */
function stepKindOf(step: Record<string, unknown>): StepKind | undefined {
  if (typeof step['kind'] === 'string' && step['kind'] in STEP_SCHEMAS) return step['kind'] as StepKind;
  if ('proxies' in step || 'clusters' in step) return 'wave';
  if ('pause' in step) return 'pause';
  if ('approval' in step) return 'approval';
  if ('analysis' in step) return 'analysis';
  return undefined;
}

export const StepSchema = z.unknown().transform((value, ctx): RolloutStep => {
  const kind = typeof value === 'object' && value !== null && !Array.isArray(value) ? stepKindOf(value as Record<string, unknown>) : undefined;
  if (kind === undefined) {
    ctx.addIssue({
      code: 'custom',
      message:
        'a step is one of: a wave { proxies: 10%, clusters?, analysis? }, { pause: { duration? } }, ' +
        '{ approval: { roles, timeout } } or { analysis: { duration } }',
    });
    return z.NEVER;
  }
  const parsed = STEP_SCHEMAS[kind].safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message });
  }
  return z.NEVER;
});

export const AnalysisThresholdsSchema = z
  .object({
    /** Highest error rate (5xx + Wasm failures) the candidate may show. */
    maxErrorRate: percentSchema({ min: 0, max: 100 }).default(1),
    /** Highest p99 latency increase of the candidate over the stable version. */
    maxLatencyIncrease: percentSchema({ min: 0, max: 10_000 }).default(20),
    /** NACKs of the candidate config tolerated (each still pauses the rollout); more fail it. */
    maxNacks: z.number().int().min(0).default(0),
    /** Below this many candidate requests a measurement is Inconclusive. */
    minRequests: z.number().int().min(1).default(50),
    /** The run fails when failed measurements exceed this. */
    failureLimit: z.number().int().min(0).default(2),
    /** The run fails when this many measurements fail in a row; 0 turns the rule off. */
    consecutiveFailureLimit: z.number().int().min(0).default(2),
    /** How often the server measures during an analysis window. */
    interval: durationSchema(5).default(30),
  })
  .strict();
export type AnalysisThresholds = z.output<typeof AnalysisThresholdsSchema>;

export const StrategySchema = z
  .object({
    steps: z.array(StepSchema).min(1, 'a rollout needs at least one step').max(MAX_STEPS),
    analysis: AnalysisThresholdsSchema.default(() => AnalysisThresholdsSchema.parse({})),
    rollback: z.object({ automatic: z.boolean().default(true) }).strict().default({ automatic: true }),
  })
  .strict();
export type Strategy = z.output<typeof StrategySchema>;
