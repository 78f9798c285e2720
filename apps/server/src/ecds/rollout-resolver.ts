// What each node sees in a slot that a rollout holds: the candidate or the stable artifact, decided by the
// shared, deterministic assignment of libs/rollout (the same proxies stay candidates as the share grows).
// Assignments come from Redis; a change on any replica reaches every replica through pub/sub.
import type { Redis } from 'ioredis';
import { AssignmentEvaluator, CanaryIndex, type Assignment, type ProxyNode } from '@wasmfleet/rollout';
import type { NodeInfo, ResourceCache, VersionedResource } from '@wasmfleet/xds';
import { artifactResource } from '../rollouts/artifact-resource.js';
import type { RolloutStore, StoredRollout } from '../rollouts/rollout-store.js';

interface SlotServing {
  rolloutId: string;
  /** The assignment, with what each node is served remembered across the rollout's steps. */
  evaluator: AssignmentEvaluator;
  stable?: VersionedResource;
  candidate?: VersionedResource;
}

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

  constructor(
    private readonly store: RolloutStore,
    private readonly subscriber: Redis,
    private readonly cache: ResourceCache,
    private readonly publicUrl: () => string,
    private readonly log: (message: string) => void,
    /** Told of every rollout change heard on pub/sub, from any replica, with the rollout as loaded (SSE). */
    private readonly onRollout: (rollout: StoredRollout) => void = () => undefined,
  ) {}

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
    this.subscriber.on('message', (channel: string, id: string) => {
      if (channel === this.store.channel) this.enqueue(() => this.reload(id));
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
    for (const r of await this.store.list()) await this.reload(r.id);
  }

  private async reload(id: string): Promise<void> {
    const r = await this.store.get(id);
    if (r) this.onRollout(r);
    if (!r?.assignment) return;
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
    const before = this.bySlot.get(a.slot);
    const previous = before?.rolloutId === id ? before.evaluator : undefined;
    const serving: SlotServing = { rolloutId: id, evaluator: new AssignmentEvaluator(a, previous) };
    const stable = await build(a.stable);
    const candidate = await build(a.candidate);
    if (stable) serving.stable = stable;
    if (candidate) serving.candidate = candidate;
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
