// The port through which the rollout service asks for work to happen later or elsewhere (BullMQ in the
// server; a fake in unit tests). Every call is idempotent: ids de-duplicate, so a retried transition or
// a restart that re-derives the timers never schedules anything twice.
import type { Effect } from '@wasmfleet/rollout';

export type StartAnalysisEffect = Extract<Effect, { type: 'StartAnalysis' }>;
export type NotifyEffect = Extract<Effect, { type: 'Notify' }>;
export type StartValidationEffect = Extract<Effect, { type: 'StartValidation' }>;

export interface RolloutScheduler {
  scheduleTimer(rolloutId: string, timerId: string, at: Date): Promise<void>;
  cancelTimers(rolloutId: string, timerIds: string[]): Promise<void>;
  /** `attempt` (e.g. a boot id) forces a fresh run next to one that may be stuck with a dead worker. */
  startValidation(effect: StartValidationEffect, attempt?: string): Promise<void>;
  /** Schedules measurement `measurement` (default 1) of the window; ids de-duplicate. */
  startAnalysis(effect: StartAnalysisEffect, measurement?: number): Promise<void>;
  notify(effect: NotifyEffect): Promise<void>;
}
