// Wires the rollout engine: Redis store, BullMQ scheduler and worker, module validation and cache, the
// ECDS resolver that serves candidates, NACK watching, health sampling and webhooks.
import path from 'node:path';
import type { Redis } from 'ioredis';
import { ModuleCache } from '@wasmfleet/oci';
import type { NackLedger, NackRecord, ResourceCache } from '@wasmfleet/xds';
import type { ServerEvents } from '../app/server-events.js';
import type { ChangeDebounceOptions } from '../ecds/change-debounce.js';
import { RolloutResolver } from '../ecds/rollout-resolver.js';
import { BullmqRolloutScheduler } from './bullmq-rollout-scheduler.js';
import { CandidateNackWatcher } from './candidate-nack-watcher.js';
import { ModuleValidator } from './module-validator.js';
import { rolloutJobHandlers, type HealthSampler } from './rollout-jobs.js';
import type { NotifyEffect } from './rollout-scheduler.js';
import { RolloutService } from './rollout-service.js';
import { RolloutStore } from './rollout-store.js';
import { rolloutView } from './rollout-view.js';

export interface RolloutRuntimeOptions {
  redis: Redis;
  subscriber: Redis;
  prefix: string;
  cache: ResourceCache;
  nacks: NackLedger;
  events: ServerEvents;
  dataDir: string;
  publicUrl: () => string;
  health: HealthSampler;
  /** Delivers rollout notifications (webhooks); undefined when there is no receiver. */
  notify: ((effect: NotifyEffect) => Promise<void>) | undefined;
  allowSelfApproval: boolean;
  /** See RolloutResolver's debounce. */
  debounce: ChangeDebounceOptions;
  log: (message: string) => void;
}

export interface RolloutRuntime {
  service: RolloutService;
  store: RolloutStore;
  resolver: RolloutResolver;
  moduleCache: ModuleCache;
  onNack(record: NackRecord): void;
  close(): Promise<void>;
}

export async function createRolloutRuntime(o: RolloutRuntimeOptions): Promise<RolloutRuntime> {
  const store = new RolloutStore(o.redis, o.prefix);
  const scheduler = new BullmqRolloutScheduler(o.redis.duplicate({ maxRetriesPerRequest: null }), o.prefix, undefined, o.notify !== undefined);
  const service = new RolloutService(store, scheduler, { decide: { allowSelfApproval: o.allowSelfApproval }, log: o.log });
  const moduleCache = new ModuleCache({ dir: path.join(o.dataDir, 'modules') });
  const resolver = new RolloutResolver(store, o.subscriber, o.cache, o.publicUrl, o.log, (r) => o.events.emit({ type: 'rollout', data: rolloutView(r) }), o.debounce);
  await resolver.start();
  const watcher = new CandidateNackWatcher(store, service, o.nacks, o.log);
  scheduler.startWorker(
    rolloutJobHandlers({ service, store, validator: new ModuleValidator(moduleCache), health: o.health, nacks: o.nacks, scheduler, notify: o.notify ?? (async () => undefined) }),
  );
  const rescheduled = await service.reconcile();
  if (rescheduled > 0) o.log(`re-derived ${rescheduled} rollout timers and validations after start-up`);
  return {
    service,
    store,
    resolver,
    moduleCache,
    onNack: (record) => watcher.onNack(record),
    async close() {
      await scheduler.close();
      await resolver.settled();
      moduleCache.close();
    },
  };
}
