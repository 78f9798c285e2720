// What each node sees in a slot that a rollout holds: the candidate or the stable artifact, decided by the
// shared, deterministic assignment of libs/rollout (the same proxies stay candidates as the share grows).
// Assignments come from Redis; a change on any replica reaches every replica through pub/sub.
import type { Redis } from 'ioredis';
import { AssignmentEvaluator, CanaryIndex, type Assignment, type ProxyNode } from '@wasmfleet/rollout';
import type { NodeInfo, ResourceCache, VersionedResource } from '@wasmfleet/xds';
import { artifactResource } from '../rollouts/artifact-resource.js';
import { parseChange, type RolloutStore, type StoredRollout } from '../rollouts/rollout-store.js';
import { ChangeDebounce, type ChangeDebounceOptions } from './change-debounce.js';

interface SlotServing {
  rolloutId: string;
  /** The assignment, with what each node is served remembered across the rollout's steps. */
  evaluator: AssignmentEvaluator;
  stable?: VersionedResource;
  candidate?: VersionedResource;
}

/** A rollout as loaded from Redis, its resources built, before it is applied. */
type LoadedServing = Omit<SlotServing, 'evaluator'> & { assignment: Assignment };

const asLabels = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string> : {};

/** A session keeps its NodeInfo object for the life of the stream: parse its metadata once. */
const parsedNodes = new WeakMap<NodeInfo, ProxyNode>();

/** The proxy as the assignment sees it, from its ECDS node: cluster labels and workload from metadata. */
export function proxyNodeOf(node: NodeInfo): ProxyNode {
  let parsed = parsedNodes.get(node);
  if (!parsed) {
    const m = node.metadata;
    parsed = {
      id: node.id,
      cluster: { name: node.cluster, labels: asLabels(m['cluster_labels']) },
      workload: { namespace: typeof m['namespace'] === 'string' ? m['namespace'] : '', labels: asLabels(m['labels']) },
    };
    parsedNodes.set(node, parsed);
  }
  return parsed;
}

export class RolloutResolver {
  private readonly bySlot = new Map<string, SlotServing>();
  /** Per slot: its watchers sorted by canary rank, for the placement (target and seed) last asked about. */
  private readonly indexes = new Map<string, { generation: number; index: CanaryIndex<NodeInfo> }>();
  /** Built resources by rollout, revision and sha256: specs of a revision never change. */
  private readonly built = new Map<string, VersionedResource | undefined>();
  private chain: Promise<void> = Promise.resolve();
  /** Rollouts changed (pub/sub), their batch sent, and not reloaded yet. */
  private readonly due = new Set<string>();
  private readonly debounce: ChangeDebounce<string>;

  constructor(
    private readonly store: RolloutStore,
    private readonly subscriber: Redis,
    private readonly cache: ResourceCache,
    private readonly publicUrl: () => string,
    private readonly log: (message: string) => void,
    /** Told of every rollout change heard on pub/sub, from any replica, with the rollout as loaded (SSE). */
    private readonly onRollout: (rollout: StoredRollout) => void = () => undefined,
    /**
     * How long changes wait for others before they are applied: rollouts that step together (many reach a
     * step at once) then reach each stream in one response instead of one per rollout. quietMs 0: at once.
     */
    debounce: ChangeDebounceOptions = { quietMs: 0, maxMs: 0 },
  ) {
    this.debounce = new ChangeDebounce((ids) => {
      const queued = this.due.size > 0; // a reload that has not started yet takes these too
      for (const id of ids) this.due.add(id);
      if (!queued) this.enqueue(() => this.reloadDue());
    }, debounce);
  }

  /** The ECDS resolver: the rollout's view of its slot, or the plain slot when no rollout holds it. */
  readonly resolve = (node: NodeInfo, name: string, base: VersionedResource | undefined): VersionedResource | undefined => {
    const serving = this.bySlot.get(name);
    if (!serving) return base;
    const role = serving.evaluator.roleOf(proxyNodeOf(node));
    if (role === 'candidate' && serving.candidate) return serving.candidate;
    if (role === 'untargeted') return base;
    return serving.stable ?? base;
  };

  /** What a node is served in a slot: 'candidate' | 'stable' | 'untargeted' (for tests and the API). */
  roleOf(node: NodeInfo, slot: string): string {
    const serving = this.bySlot.get(slot);
    return serving ? serving.evaluator.roleOf(proxyNodeOf(node)) : 'untargeted';
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.store.channel) return;
      const change = parseChange(message);
      this.debounce.add(change.id, change.at);
    });
    this.subscriber.on('ready', () => this.enqueue(() => this.loadAll()));
    await this.subscriber.subscribe(this.store.channel);
    this.cache.setResolver(this.resolve);
    await this.loadAll();
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: Error) => this.log(`rollout assignments: ${err.message}`));
  }

  private async loadAll(): Promise<void> {
    await this.reload((await this.store.list()).map((r) => r.id));
  }

  /** Every rollout heard of since the last reload: when changes come faster than they are applied, they go together. */
  private async reloadDue(): Promise<void> {
    const ids = [...this.due];
    this.due.clear();
    await this.reload(ids);
  }

  /**
   * Loads the rollouts, then applies them all in one go: a stream that several of the changes concern hears
   * of them in the same task, and so (with coalescing sessions) gets one response for all of them.
   */
  private async reload(ids: string[]): Promise<void> {
    const loaded = await Promise.all(ids.map((id) => this.load(id)));
    this.cache.notifyTogether(() => {
      for (const serving of loaded) if (serving) this.apply(serving);
    });
  }

  private async load(id: string): Promise<LoadedServing | undefined> {
    const r = await this.store.get(id);
    if (r) this.onRollout(r);
    if (!r?.assignment) return undefined;
    const a = r.assignment;
    const build = async (artifact: Assignment['stable']) => {
      if (!artifact?.sha256) return undefined;
      const key = `${id}#${artifact.revision}#${artifact.sha256}#${this.publicUrl()}`;
      if (!this.built.has(key)) {
        const spec = await this.store.spec(id, artifact.revision);
        this.built.set(key, spec ? artifactResource(a.slot, artifact, spec, this.publicUrl()) : undefined);
      }
      return this.built.get(key);
    };
    const [stable, candidate] = await Promise.all([build(a.stable), build(a.candidate)]);
    return { rolloutId: id, assignment: a, ...(stable && { stable }), ...(candidate && { candidate }) };
  }

  private apply(loaded: LoadedServing): void {
    const { assignment: a, ...rest } = loaded;
    const before = this.bySlot.get(a.slot);
    const previous = before?.rolloutId === loaded.rolloutId ? before.evaluator : undefined;
    const serving: SlotServing = { ...rest, evaluator: new AssignmentEvaluator(a, previous) };
    this.bySlot.set(a.slot, serving);
    if (!before) return this.cache.invalidate([a.slot]);
    this.wakeMoved(a.slot, before.evaluator, serving.evaluator);
  }

  /**
   * Tells only the streams whose node now gets another artifact (or role) to look again: with thousands of
   * streams on a slot, a wave that moves 10% of them should not make the other 90% re-resolve, nor should
   * the resolver ask each of them.
   */
  private wakeMoved(slot: string, old: AssignmentEvaluator, now: AssignmentEvaluator): void {
    if (now.servesAllAs(old)) return;
    const moved = this.indexFor(slot, now).moved(old, now);
    if (moved) return moved.length === 0 ? undefined : this.cache.invalidateNodes(slot, moved);
    this.cache.invalidate([slot], (node) => {
      const proxy = proxyNodeOf(node);
      return old.servedKey(proxy) !== now.servedKey(proxy);
    });
  }

  /** The canary index of the slot's watchers, rebuilt when the placement or the set of watches changed. */
  private indexFor(slot: string, evaluator: AssignmentEvaluator): CanaryIndex<NodeInfo> {
    const generation = this.cache.watchGeneration(slot);
    let entry = this.indexes.get(slot);
    if (!entry || entry.generation !== generation || entry.index.placementKey !== evaluator.placementKey) {
      const population = [...this.cache.watchedNodes(slot)].map((node) => [node, proxyNodeOf(node)] as const);
      entry = { generation, index: new CanaryIndex(evaluator, population) };
      this.indexes.set(slot, entry);
    }
    return entry.index;
  }

  /** The module base URL changed (known only once the HTTP port is bound): rebuild every served resource. */
  refresh(): void {
    this.bySlot.clear();
    this.built.clear();
    this.indexes.clear();
    this.enqueue(async () => {
      await this.loadAll();
      this.cache.invalidate();
    });
  }

  settled(): Promise<void> {
    return this.chain;
  }
}
