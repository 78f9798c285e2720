// What each rollout job does: thin handlers that load what they need from Redis, do the one piece of
// I/O (validate a module, measure health, post a webhook) and hand the outcome to the rollout service as
// an event. A redelivered job produces the same event, which the pure decision then ignores.
import { judge, mergeSamples, type HealthSample } from '@wasmfleet/rollout';
import type { NackLedger } from '@wasmfleet/xds';
import { artifactVersion } from './artifact-resource.js';
import type { RolloutJobHandlers } from './bullmq-rollout-scheduler.js';
import { ModuleValidationError, type ModuleValidator } from './module-validator.js';
import type { RolloutScheduler } from './rollout-scheduler.js';
import type { RolloutService } from './rollout-service.js';
import type { RolloutStore } from './rollout-store.js';

/** Health of one (slot, version) over an interval, summed over proxies. */
export interface HealthSampler {
  sample(query: { slot: string; version: string; since: Date; until: Date }): Promise<HealthSample>;
}

export interface RolloutJobDeps {
  service: RolloutService;
  store: RolloutStore;
  validator: ModuleValidator;
  health: HealthSampler;
  nacks: NackLedger;
  scheduler: RolloutScheduler;
  notify: (effect: Parameters<RolloutScheduler['notify']>[0]) => Promise<void>;
  clock?: () => Date;
}

/** Distinct proxies currently NACKing `version` of `slot`, and the latest message. */
export function candidateNacks(nacks: NackLedger, slot: string, version: string): { count: number; message: string } {
  const records = nacks.list({ name: slot }).filter((r) => r.version === version);
  return { count: new Set(records.map((r) => r.nodeId)).size, message: records[0]?.message ?? '' };
}

export function rolloutJobHandlers(d: RolloutJobDeps): RolloutJobHandlers {
  const clock = d.clock ?? (() => new Date());
  return {
    timer: async ({ rolloutId, timerId }) => {
      await d.service.deliver(rolloutId, { type: 'Tick', timerId });
    },

    validate: async ({ effect }) => {
      const spec = await d.store.spec(effect.rolloutId, effect.revision);
      if (!spec) return;
      const f = spec.spec.filter;
      try {
        const v = await d.validator.validate({
          slot: effect.slot,
          image: f.image,
          ...(f.sha256 && { sha256: f.sha256 }),
          rootId: f.rootId,
          config: f.config,
          ...(f.vmConfig !== undefined && { vmConfig: f.vmConfig }),
        });
        await d.service.deliver(effect.rolloutId, {
          type: 'ValidationSucceeded',
          revision: effect.revision,
          sha256: v.sha256,
          ...(v.manifestDigest && { digest: v.manifestDigest }),
        });
      } catch (err) {
        if (!(err instanceof ModuleValidationError)) throw err; // infrastructure trouble: BullMQ retries
        await d.service.deliver(effect.rolloutId, { type: 'ValidationFailed', revision: effect.revision, reason: err.message });
      }
    },

    analyze: async ({ effect, measurement }) => {
      const current = await d.store.get(effect.rolloutId);
      if (current?.status.analysis?.id !== effect.windowId) return; // the window closed: nothing to measure
      const spec = await d.store.spec(effect.rolloutId, current.status.revision);
      if (!spec) return;
      const since = new Date(effect.startedAt);
      const until = clock();
      const candidateVersion = artifactVersion(effect.candidate);
      const nack = candidateNacks(d.nacks, effect.slot, candidateVersion);
      const candidate = mergeSamples([await d.health.sample({ slot: effect.slot, version: candidateVersion, since, until })]);
      candidate.nacks = nack.count;
      const stable = effect.stable?.sha256
        ? await d.health.sample({ slot: effect.slot, version: artifactVersion(effect.stable), since, until })
        : undefined;
      const judgement = judge(candidate, stable, spec.spec.strategy.analysis);
      await d.service.deliver(effect.rolloutId, {
        type: 'AnalysisResult',
        windowId: effect.windowId,
        measurement,
        verdict: judgement.verdict,
        details: judgement.reasons,
      });
      // Measurement n is due at start + n·interval, capped at the window's end; the capped one is the last.
      if (since.getTime() + measurement * effect.intervalSeconds * 1000 < new Date(effect.endsAt).getTime()) {
        await d.scheduler.startAnalysis(effect, measurement + 1);
      }
    },

    notify: async ({ effect }) => {
      await d.notify(effect);
    },
  };
}
