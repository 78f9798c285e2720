// In-process cost of one rollout step transition on the ECDS side, free of network, Redis and (mostly) of
// other load on the host: the server's built RolloutResolver and libs/xds' ResourceCache + DeltaSession,
// `streams` sessions shaped like the scale part's (model.ts), each watching all `rollouts` slots. For each
// transition of the benchmark's rollouts (same specs as scale.ts) it swaps the slot's assignment and calls
// cache.invalidate([slot]) as RolloutResolver.reload does, timing the whole fan-out (every watcher of the slot
// is called; the affected ones build a response). Process CPU time, so host contention barely shows.
//
// Variant `cached` runs the same sessions against a resolver with the same semantics that keeps each
// node's ProxyNode (WeakMap on the NodeInfo) and its candidate rank per seed: a sketch of a fix, to size it.
//
//   npx tsx bench/rollouts/fanout-micro.ts [--streams 3000] [--clusters 1000] [--rollouts 20] [--repeat 5]
import { RolloutResolver, proxyNodeOf } from '../../apps/server/dist/ecds/rollout-resolver.js';
import {
  assignmentForNode,
  candidateRank,
  canarySeed,
  parseRolloutSpec,
  shareForCluster,
  clusterMatches,
  workloadMatches,
  wavesUpTo,
  type Assignment,
  type ProxyNode,
  type WasmRollout,
} from '@wasmfleet/rollout';
import { DeltaSession, NackLedger, ResourceCache, type NodeInfo, type ResourceResolver, type VersionedResource } from '@wasmfleet/xds';
import { simNode } from './model.js';
import { rolloutSpec, rolloutId, slotOf } from './scale.js';

const TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const streams = arg('streams', 3000);
const clusters = arg('clusters', 1000);
const rollouts = arg('rollouts', 20);
const repeat = arg('repeat', 5);

const resource = (slot: string, version: string): VersionedResource => ({ name: slot, version, resource: { typeUrl: TYPE_URL, value: new Uint8Array(300) } });

interface Serving {
  rolloutId: string;
  assignment: Assignment;
  stable?: VersionedResource;
  candidate?: VersionedResource;
}

/** Same answers as RolloutResolver.resolve, with per-node memoization. */
function cachedResolver(bySlot: Map<string, Serving>): ResourceResolver {
  const nodes = new WeakMap<NodeInfo, ProxyNode>();
  const ranks = new WeakMap<NodeInfo, Map<string, number>>();
  return (node, name, base) => {
    const serving = bySlot.get(name);
    if (!serving) return base;
    let p = nodes.get(node);
    if (!p) nodes.set(node, (p = proxyNodeOf(node)));
    const a = serving.assignment;
    if (!clusterMatches(a.target.clusters, p.cluster) || !workloadMatches(a.target.workloads, p.workload)) return base;
    if (a.candidate !== null && serving.candidate) {
      const share = shareForCluster(a, p.cluster);
      let candidate = share >= 1;
      if (share > 0 && share < 1) {
        let byNode = ranks.get(node);
        if (!byNode) ranks.set(node, (byNode = new Map()));
        let rank = byNode.get(a.seed);
        if (rank === undefined) byNode.set(a.seed, (rank = candidateRank(node.id, a.seed)));
        candidate = rank < share;
      }
      if (candidate) return serving.candidate;
    }
    return serving.stable ?? base;
  };
}

function run(variant: 'server' | 'cached'): { perWatcherUs: number; perTransitionMs: number; pushes: number; transitions: number; noopUs: number } {
  const cache = new ResourceCache();
  const bySlot = new Map<string, Serving>();
  const slots = Array.from({ length: rollouts }, (_, k) => slotOf(k));
  for (const slot of slots) cache.set(resource(slot, 'base'));
  if (variant === 'server') {
    const resolver = new RolloutResolver({} as never, {} as never, cache, () => 'http://127.0.0.1:1', () => undefined);
    (resolver as unknown as { bySlot: Map<string, Serving> }).bySlot = bySlot;
    cache.setResolver(resolver.resolve);
  } else {
    cache.setResolver(cachedResolver(bySlot));
  }
  const nacks = new NackLedger();
  let pushes = 0;
  for (let i = 0; i < streams; i++) {
    const n = simNode(i, clusters);
    const session = new DeltaSession({ stream: { send: () => void (pushes += 1) }, cache, typeUrl: TYPE_URL, nacks });
    session.handle({
      node: { id: n.id, cluster: n.cluster, metadata: n.metadata as unknown as Record<string, unknown> },
      typeUrl: TYPE_URL,
      resourceNamesSubscribe: slots,
      resourceNamesUnsubscribe: [],
      initialResourceVersions: {},
      responseNonce: '',
    });
  }
  const specs: WasmRollout[] = Array.from({ length: rollouts }, (_, k) =>
    parseRolloutSpec(rolloutSpec(k, 1, { clusters, pauseS: 1 }, 'http://127.0.0.1:1/add-header.wasm', 'a'.repeat(64), false)),
  );
  let cpuUs = 0;
  let noopCpuUs = 0;
  let transitions = 0;
  let noops = 0;
  pushes = 0;
  for (let round = 1; round <= repeat; round++) {
    const candidate = { revision: round, image: 'x', sha256: 'a'.repeat(64) };
    const stable = round > 1 ? { revision: round - 1, image: 'x', sha256: 'a'.repeat(64) } : null;
    for (let k = 0; k < rollouts; k++) {
      const spec = specs[k]!;
      const steps = spec.spec.strategy.steps;
      const base: Omit<Assignment, 'waves' | 'candidate' | 'stable' | 'seed'> = {
        slot: slotOf(k),
        rolloutId: rolloutId(k),
        target: { clusters: spec.spec.target.clusters, workloads: spec.spec.target.workloads },
      };
      const seed = canarySeed(rolloutId(k), round);
      const stableRes = stable ? resource(slotOf(k), `r${stable.revision}`) : undefined;
      const candRes = resource(slotOf(k), `r${round}`);
      // Applied (a new seed, nothing served differs), then waves at steps 1, 3, 5, then Succeeded.
      const states: Array<{ a: Assignment; s?: VersionedResource; c?: VersionedResource; noop?: boolean }> = [
        { a: { ...base, stable, candidate: null, waves: [], seed }, ...(stableRes && { s: stableRes }), noop: true },
        ...[1, 3, 5].map((i) => ({ a: { ...base, stable, candidate, waves: wavesUpTo(steps, i), seed }, ...(stableRes && { s: stableRes }), c: candRes })),
        { a: { ...base, stable: candidate, candidate: null, waves: [], seed }, s: candRes },
      ];
      for (const st of states) {
        bySlot.set(slotOf(k), { rolloutId: rolloutId(k), assignment: st.a, ...(st.s && { stable: st.s }), ...(st.c && { candidate: st.c }) });
        const t0 = process.cpuUsage();
        cache.invalidate([slotOf(k)]);
        const d = process.cpuUsage(t0);
        const us = d.user + d.system;
        if (round > 1) {
          // round 1 warms the JIT up
          if (st.noop) {
            noopCpuUs += us;
            noops += 1;
          } else {
            cpuUs += us;
            transitions += 1;
          }
        }
      }
    }
    if (round === 1) pushes = 0;
  }
  // Sanity: the server's resolver and the sketch must agree (checked on the last states).
  return {
    perWatcherUs: cpuUs / (transitions * streams),
    perTransitionMs: cpuUs / transitions / 1000,
    pushes,
    transitions,
    noopUs: noopCpuUs / (noops * streams),
  };
}

// The two resolvers must give the same answers before their costs are compared.
{
  const bySlot = new Map<string, Serving>();
  const spec = parseRolloutSpec(rolloutSpec(0, 1, { clusters, pauseS: 1 }, 'http://127.0.0.1:1/m.wasm', 'a'.repeat(64), false));
  const a: Assignment = {
    slot: slotOf(0),
    rolloutId: rolloutId(0),
    target: { clusters: spec.spec.target.clusters, workloads: spec.spec.target.workloads },
    stable: null,
    candidate: { revision: 1, image: 'x', sha256: 'a'.repeat(64) },
    waves: wavesUpTo(spec.spec.strategy.steps, 3),
    seed: canarySeed(rolloutId(0), 1),
  };
  bySlot.set(slotOf(0), { rolloutId: rolloutId(0), assignment: a, candidate: resource(slotOf(0), 'c'), stable: resource(slotOf(0), 's') });
  const fast = cachedResolver(bySlot);
  for (let i = 0; i < streams; i++) {
    const n = simNode(i, clusters);
    const info: NodeInfo = { id: n.id, cluster: n.cluster, metadata: n.metadata as unknown as Record<string, unknown> };
    const want = assignmentForNode(proxyNodeOf(info), a).role;
    const got = fast(info, slotOf(0), resource(slotOf(0), 'base'))?.version;
    const expected = want === 'candidate' ? 'c' : want === 'stable' ? 's' : 'base';
    if (got !== expected) throw new Error(`sketch disagrees for ${n.id}: ${got} vs ${expected}`);
  }
}

for (const variant of ['server', 'cached'] as const) {
  const r = run(variant);
  console.log(
    `${variant.padEnd(6)}: ${streams} streams × ${rollouts} slots; ${r.transitions} wave transitions: ${r.perTransitionMs.toFixed(2)} ms CPU each ` +
      `(${r.perWatcherUs.toFixed(2)} µs per watcher, ${r.pushes} pushes); a no-op invalidation (Applied): ${r.noopUs.toFixed(2)} µs per watcher`,
  );
}
