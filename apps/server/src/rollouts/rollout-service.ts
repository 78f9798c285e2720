// Rollout use cases: apply a spec, act on a rollout, deliver system events. Every change is one pure
// decision (libs/rollout decide) written with optimistic concurrency (retried on conflict) and then its
// effects are carried out through the scheduler. Redis is the only truth; nothing here is kept in memory.
import {
  ACTIVE_PHASES,
  decide,
  initialStatus,
  parseRolloutSpec,
  parseRolloutYaml,
  rolloutIdOf,
  type ActionEvent,
  type Actor,
  type Artifact,
  type Assignment,
  type DecideOptions,
  type Effect,
  type RolloutEvent,
  type SystemEvent,
  type WasmRollout,
} from '@wasmfleet/rollout';
import { RolloutContentionError, RolloutNotFoundError, SlotBusyError } from './rollout-errors.js';
import type { RolloutScheduler } from './rollout-scheduler.js';
import type { RolloutStore, StoredRollout } from './rollout-store.js';

const MAX_ATTEMPTS = 8;

export interface RolloutServiceOptions {
  clock?: () => Date;
  decide?: DecideOptions;
  /** Told of every committed transition (SSE). */
  onChange?: (rollout: StoredRollout) => void;
  log?: (message: string) => void;
}

export class RolloutService {
  private readonly clock: () => Date;

  constructor(
    private readonly store: RolloutStore,
    private readonly scheduler: RolloutScheduler,
    private readonly options: RolloutServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Applies a WasmRollout (object, JSON or YAML text): a new rollout, or a new revision of one. */
  async apply(input: unknown, actor: Actor): Promise<StoredRollout> {
    const spec = typeof input === 'string' ? parseRolloutYaml(input) : parseRolloutSpec(input);
    const id = rolloutIdOf(spec.metadata);
    const slot = spec.spec.filter.slot;
    const owner = await this.store.slotOwner(slot);
    let stable: Artifact | undefined;
    if (owner && owner !== id) {
      const held = await this.store.get(owner);
      if (held && ACTIVE_PHASES.includes(held.status.phase)) throw new SlotBusyError(slot, owner);
      // A new rollout of the slot takes over what the previous one left serving.
      stable = held?.assignment?.stable ?? undefined;
    }
    const existing = await this.store.get(id);
    if (existing) {
      const latest = await this.store.spec(id, existing.revision);
      if (JSON.stringify(latest) === JSON.stringify(spec)) return existing; // re-applying the same spec is a no-op
    }
    const revision = (existing?.revision ?? 0) + 1;
    return this.dispatch(id, { type: 'Applied', revision, actor }, { newSpec: { revision, spec }, claimSlot: slot, ...(stable && { stable }) });
  }

  act(id: string, event: ActionEvent): Promise<StoredRollout> {
    return this.dispatch(id, event);
  }

  deliver(id: string, event: SystemEvent): Promise<StoredRollout> {
    return this.dispatch(id, event);
  }

  async get(id: string): Promise<StoredRollout> {
    const r = await this.store.get(id);
    if (!r) throw new RolloutNotFoundError(id);
    return r;
  }

  list(): Promise<StoredRollout[]> {
    return this.store.list();
  }

  /** Every revision's spec, newest first. */
  async history(id: string): Promise<Array<{ revision: number; spec: WasmRollout }>> {
    const r = await this.get(id);
    const out: Array<{ revision: number; spec: WasmRollout }> = [];
    for (let rev = r.revision; rev >= 1; rev--) {
      const spec = await this.store.spec(id, rev);
      if (spec) out.push({ revision: rev, spec });
    }
    return out;
  }

  private async dispatch(
    id: string,
    event: RolloutEvent,
    extra: { newSpec?: { revision: number; spec: WasmRollout }; claimSlot?: string; stable?: Artifact } = {},
  ): Promise<StoredRollout> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = this.clock();
      const current = await this.store.get(id);
      if (!current && !extra.newSpec) throw new RolloutNotFoundError(id);
      const spec = extra.newSpec?.spec ?? (await this.store.spec(id, current!.status.revision));
      if (!spec) throw new RolloutNotFoundError(id);
      const status = current?.status ?? initialStatus(spec, extra.newSpec!.revision, now, extra.stable ? { stable: extra.stable } : {});
      const decision = decide(spec, status, event, now, this.options.decide ?? {}); // throws RolloutActionError
      if (decision.ignored && !extra.newSpec) return current!;
      const assignment = lastAssignment(decision.effects);
      const committed = await this.store.commit(
        id,
        {
          expectedVersion: current?.version ?? 0,
          status: decision.status,
          ...(assignment && { assignment }),
          ...(extra.newSpec && { newSpec: extra.newSpec }),
          ...(extra.claimSlot && { claimSlot: extra.claimSlot }),
          audit: decision.effects.filter((e) => e.type === 'Audit').map(({ type: _type, ...entry }) => entry),
        },
        now,
      );
      if (!committed) continue;
      await this.carryOut(id, decision.effects);
      const stored = (await this.store.get(id))!;
      this.options.onChange?.(stored);
      return stored;
    }
    throw new RolloutContentionError(id);
  }

  /** Effects after the commit. A crash in between is repaired by reconcile() at start-up. */
  private async carryOut(id: string, effects: Effect[]): Promise<void> {
    for (const effect of effects) {
      try {
        await this.carryOutOne(id, effect);
      } catch (err) {
        this.options.log?.(`rollout effect ${effect.type} failed: ${(err as Error).message}`);
      }
    }
  }

  private async carryOutOne(id: string, effect: Effect): Promise<void> {
    switch (effect.type) {
      case 'ScheduleTimer':
        return this.scheduler.scheduleTimer(id, effect.id, new Date(effect.at));
      case 'CancelTimers':
        return effect.timerIds.length ? this.scheduler.cancelTimers(id, effect.timerIds) : undefined;
      case 'StartValidation':
        return this.scheduler.startValidation(effect);
      case 'StartAnalysis':
        return this.scheduler.startAnalysis(effect);
      case 'Notify':
        return this.scheduler.notify(effect);
      case 'SetAssignment': // stored with the status; ECDS follows through pub/sub
      case 'Audit': // appended in the same transaction
      case 'RequestApproval': // the status carries it; the approvals API lists it
      case 'StopAnalysis': // measurements of a closed window are ignored by decide()
        return undefined;
    }
  }

  /**
   * After a crash or restart: re-schedule every pending timer and unfinished validation from the stored
   * statuses (ids de-duplicate, so what still exists is left alone).
   */
  async reconcile(): Promise<number> {
    let scheduled = 0;
    // A validation that was running when the server died may sit under the dead worker's lock for a while:
    // run it again now under a fresh id; the outcome event is idempotent, so two runs do no harm.
    const boot = `boot-${Date.now().toString(36)}`;
    for (const r of await this.store.list()) {
      for (const timer of r.status.timers) {
        await this.scheduler.scheduleTimer(r.id, timer.id, new Date(timer.at));
        scheduled++;
      }
      const window = r.status.analysis;
      if (window && r.status.candidate.sha256) {
        // The next measurement of an open window (a crash may have come before it was scheduled).
        const spec = await this.store.spec(r.id, r.status.revision);
        await this.scheduler.startAnalysis(
          {
            type: 'StartAnalysis',
            rolloutId: r.id,
            slot: r.status.slot,
            windowId: window.id,
            candidate: r.status.candidate,
            stable: r.status.stable ?? null,
            startedAt: window.windowStartedAt,
            endsAt: window.windowEndsAt,
            intervalSeconds: spec?.spec.strategy.analysis.interval ?? 30,
          },
          window.lastMeasurement + 1,
        );
        scheduled++;
      }
      if (r.status.phase === 'Validating') {
        const spec = await this.store.spec(r.id, r.status.revision);
        if (spec) {
          await this.scheduler.startValidation({
            type: 'StartValidation',
            rolloutId: r.id,
            slot: r.status.slot,
            revision: r.status.revision,
            image: spec.spec.filter.image,
            ...(spec.spec.filter.sha256 && { sha256: spec.spec.filter.sha256 }),
          }, boot);
          scheduled++;
        }
      }
    }
    return scheduled;
  }
}

function lastAssignment(effects: Effect[]): Assignment | undefined {
  const found = effects.filter((e): e is Extract<Effect, { type: 'SetAssignment' }> => e.type === 'SetAssignment').at(-1);
  if (!found) return undefined;
  const { type: _type, ...assignment } = found;
  return assignment;
}
