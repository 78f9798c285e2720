// In-process cost of the ECDS side of rollout step transitions, free of network, Redis and (mostly) of other
// load on the host: the server's built RolloutResolver (fed by an in-memory store and subscriber) and libs/xds'
// ResourceCache + DeltaSession, `streams` sessions shaped like the scale part's (model.ts), each watching all
// `rollouts` slots. Every rollout goes through its states as in the scale part (Applied, three waves,
// Succeeded) for `repeat` revisions; each state change is one pub/sub message to the resolver, timed in
// process CPU from the message to the end of the fan-out (every affected session has built its response).
//
// Baseline, measured in the same run on the same sessions: the naive resolver the server started with —
// libs/rollout's assignmentForNode on every call, every watcher of the slot re-resolved on every change.
//
//   npx tsx bench/rollouts/fanout-micro.ts [--streams 3000] [--clusters 1000] [--rollouts 20] [--repeat 5] [--server-only]
// (--server-only skips the baseline, e.g. to profile the server's path alone with node --cpu-prof.)
import { EventEmitter } from 'node:events';
import { RolloutResolver, proxyNodeOf } from '../../apps/server/dist/ecds/rollout-resolver.js';
import { artifactResource } from '../../apps/server/dist/rollouts/artifact-resource.js';
import { assignmentForNode, canarySeed, parseRolloutSpec, wavesUpTo, type Assignment, type WasmRollout } from '@wasmfleet/rollout';
import { DeltaSession, NackLedger, ResourceCache, type NodeInfo, type VersionedResource } from '@wasmfleet/xds';
import { rolloutId, simNode, slotOf } from './model.js';
import { rolloutSpec } from './scale.js';

const TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';
const PUBLIC_URL = 'http://127.0.0.1:1';
const SHA = 'a'.repeat(64);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const streams = arg('streams', 3000);
const clusters = arg('clusters', 1000);
const rollouts = arg('rollouts', 20);
const repeat = arg('repeat', 5);

const specs: WasmRollout[] = Array.from({ length: rollouts }, (_, k) =>
  parseRolloutSpec(rolloutSpec(k, 1, { clusters, pauseS: 1 }, `${PUBLIC_URL}/add-header.wasm`, SHA, false)),
);

/** The assignments rollout k goes through in revision `round`: Applied, waves at steps 1, 3, 5, Succeeded. */
function statesOf(k: number, round: number): Assignment[] {
  const spec = specs[k]!;
  const steps = spec.spec.strategy.steps;
  const candidate = { revision: round, image: 'x', sha256: SHA };
  const stable = round > 1 ? { revision: round - 1, image: 'x', sha256: SHA } : null;
  const base = { slot: slotOf(k), rolloutId: rolloutId(k), target: { clusters: spec.spec.target.clusters, workloads: spec.spec.target.workloads }, seed: canarySeed(rolloutId(k), round) };
  return [
    { ...base, stable, candidate: null, waves: [] },
    ...[1, 3, 5].map((i) => ({ ...base, stable, candidate, waves: wavesUpTo(steps, i) })),
    { ...base, stable: candidate, candidate: null, waves: [] },
  ];
}

interface Fleet {
  cache: ResourceCache;
  pushes: () => number;
}

function openFleet(cache: ResourceCache): Fleet {
  const slots = Array.from({ length: rollouts }, (_, k) => slotOf(k));
  for (const slot of slots) cache.set({ name: slot, version: 'base', resource: { typeUrl: TYPE_URL, value: new Uint8Array(300) } });
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
  return { cache, pushes: () => pushes };
}

interface Result {
  perTransitionMs: number;
  transitions: number;
  pushes: number;
}

/** Times each state change (round 1 warms the JIT up and is not counted). */
async function measure(fleet: Fleet, apply: (a: Assignment) => Promise<void>): Promise<Result> {
  let cpuUs = 0;
  let transitions = 0;
  let pushesBefore = 0;
  for (let round = 1; round <= repeat; round++) {
    if (round === 2) pushesBefore = fleet.pushes();
    for (let k = 0; k < rollouts; k++) {
      for (const a of statesOf(k, round)) {
        const t0 = process.cpuUsage();
        await apply(a);
        const d = process.cpuUsage(t0);
        if (round > 1) {
          cpuUs += d.user + d.system;
          transitions += 1;
        }
      }
    }
  }
  return { perTransitionMs: cpuUs / transitions / 1000, transitions, pushes: fleet.pushes() - pushesBefore };
}

/** The server's resolver, told of each change the way Redis pub/sub tells it. */
async function server(): Promise<Result> {
  const fleet = openFleet(new ResourceCache());
  const current = new Map<string, Assignment>();
  const store = {
    channel: 'rollouts',
    list: async () => [],
    get: async (id: string) => ({ assignment: current.get(id) }),
    spec: async (id: string) => specs[Number(id.slice(-2))],
  };
  const subscriber = Object.assign(new EventEmitter(), { subscribe: async () => 1 });
  const resolver = new RolloutResolver(store as never, subscriber as never, fleet.cache, () => PUBLIC_URL, (m) => console.error(m));
  await resolver.start();
  return measure(fleet, async (a) => {
    current.set(a.rolloutId, a);
    subscriber.emit('message', 'rollouts', a.rolloutId);
    await new Promise((resolve) => setTimeout(resolve, 0)); // the debounce (quiet 0) hands the batch on in a timer
    await resolver.settled();
  });
}

/** The baseline: assignmentForNode per call, every watcher re-resolved. */
async function naive(): Promise<Result> {
  const serving = new Map<string, { a: Assignment; stable?: VersionedResource; candidate?: VersionedResource }>();
  const cache = new ResourceCache({
    resolver: (node: NodeInfo, name, base) => {
      const s = serving.get(name);
      if (!s) return base;
      const { role } = assignmentForNode(proxyNodeOf(node), s.a);
      if (role === 'candidate' && s.candidate) return s.candidate;
      return role === 'untargeted' ? base : (s.stable ?? base);
    },
  });
  const fleet = openFleet(cache);
  return measure(fleet, async (a) => {
    const spec = specs[Number(a.rolloutId.slice(-2))]!;
    const build = (artifact: Assignment['stable']) => (artifact ? artifactResource(a.slot, artifact, spec, PUBLIC_URL) : undefined);
    const stable = build(a.stable);
    const candidate = build(a.candidate);
    serving.set(a.slot, { a, ...(stable && { stable }), ...(candidate && { candidate }) });
    cache.invalidate([a.slot]);
  });
}

const serverOnly = process.argv.includes('--server-only');
const now = await server();
const base = serverOnly ? now : await naive();
const line = (label: string, r: Result) =>
  `| ${label} | ${r.transitions} | ${r.perTransitionMs.toFixed(2)} | ${r.pushes} | ${(base.perTransitionMs / r.perTransitionMs).toFixed(1)}× |`;
console.log(
  [
    `${streams} Delta sessions × ${rollouts} slots (${clusters} clusters), ${repeat - 1} measured revisions per rollout, process CPU:`,
    '',
    '| resolver | state changes | ms CPU per change | responses built | speed-up |',
    '|---|---:|---:|---:|---:|',
    ...(serverOnly ? [] : [line('naive baseline: assignmentForNode per call, every watcher re-resolved', base)]),
    line('server: AssignmentEvaluator, only the watchers whose served artifact changes', now),
  ].join('\n'),
);
if (base.pushes !== now.pushes) throw new Error(`the resolvers disagree: ${base.pushes} vs ${now.pushes} responses`);
