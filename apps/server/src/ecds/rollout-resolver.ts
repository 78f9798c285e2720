// What each node sees in a slot that a rollout holds: the candidate or the stable artifact, decided by the
// shared, deterministic assignment of libs/rollout (the same proxies stay candidates as the share grows).
// Assignments come from Redis; a change on any replica reaches every replica through pub/sub.
import type { Redis } from 'ioredis';
import { assignmentForNode, type Assignment, type ProxyNode } from '@wasmfleet/rollout';
import type { NodeInfo, ResourceCache, VersionedResource } from '@wasmfleet/xds';
import { artifactResource } from '../rollouts/artifact-resource.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';

interface SlotServing {
  rolloutId: string;
  assignment: Assignment;
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
  /** Built resources by rollout, revision and sha256: specs of a revision never change. */
  private readonly built = new Map<string, VersionedResource | undefined>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RolloutStore,
    private readonly subscriber: Redis,
    private readonly cache: ResourceCache,
    private readonly publicUrl: () => string,
    private readonly log: (message: string) => void,
    /** Told of every rollout change heard on pub/sub, from any replica (SSE). */
    private readonly onRollout: (id: string) => void = () => undefined,
  ) {}

  /** The ECDS resolver: the rollout's view of its slot, or the plain slot when no rollout holds it. */
  readonly resolve = (node: NodeInfo, name: string, base: VersionedResource | undefined): VersionedResource | undefined => {
    const serving = this.bySlot.get(name);
    if (!serving) return base;
    const { role } = assignmentForNode(proxyNodeOf(node), serving.assignment);
    if (role === 'candidate' && serving.candidate) return serving.candidate;
    if (role === 'untargeted') return base;
    return serving.stable ?? base;
  };

  /** What a node is served in a slot: 'candidate' | 'stable' | 'untargeted' (for tests and the API). */
  roleOf(node: NodeInfo, slot: string): string {
    const serving = this.bySlot.get(slot);
    return serving ? assignmentForNode(proxyNodeOf(node), serving.assignment).role : 'untargeted';
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
    this.onRollout(id);
    const r = await this.store.get(id);
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
    const serving: SlotServing = { rolloutId: id, assignment: a };
    const stable = await build(a.stable);
    const candidate = await build(a.candidate);
    if (stable) serving.stable = stable;
    if (candidate) serving.candidate = candidate;
    const before = this.bySlot.get(a.slot);
    this.bySlot.set(a.slot, serving);
    if (!before) return this.cache.invalidate([a.slot]);
    if (JSON.stringify(before.assignment) === JSON.stringify(a)) return;
    // Only streams whose node now gets another artifact (or role) need to look again: with thousands of
    // streams on a slot, a wave that moves 10% of them should not make the other 90% re-resolve.
    const servedBy = (assignment: Assignment, node: NodeInfo) => {
      const { role, artifact } = assignmentForNode(proxyNodeOf(node), assignment);
      return `${role}:${artifact?.revision ?? '-'}:${artifact?.sha256 ?? '-'}`;
    };
    this.cache.invalidate([a.slot], (node) => servedBy(before.assignment, node) !== servedBy(a, node));
  }

  /** The module base URL changed (known only once the HTTP port is bound): rebuild every served resource. */
  refresh(): void {
    this.bySlot.clear();
    this.built.clear();
    this.enqueue(async () => {
      await this.loadAll();
      this.cache.invalidate();
    });
  }

  settled(): Promise<void> {
    return this.chain;
  }
}
