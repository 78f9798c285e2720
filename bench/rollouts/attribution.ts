// How the rollout benchmark's scale part attributes what the load client saw to the transitions in the audit
// log: which streams each transition should move (libs/rollout's assignment, the function the server uses),
// the first arrival of the candidate on each, and from that the legs condition met → status written →
// ECDS received, plus missing, unexpected and early updates.
import { assignmentForNode, canarySeed, wavesUpTo, type Assignment, type ProxyNode, type WasmRollout } from '@wasmfleet/rollout';
import { rolloutId, slotOf, type FromClient } from './model.js';

export interface AuditEntry {
  rolloutId: string;
  action: string;
  at: string;
  before: { phase: string; revision: number; stepIndex: number };
  after: { phase: string; revision: number; stepIndex: number };
}

export interface Samples {
  timerLeg: number[];
  promoteLeg: number[];
  pushPerStream: number[];
  /** The same, split: the first wave (written by ValidationSucceeded, while other rollouts validate) and the later ones. */
  pushFirstWave: number[];
  pushLaterWaves: number[];
  pushLast: number[];
  e2ePerStream: number[];
  e2eLast: number[];
  validation: number[];
  expected: number;
  received: number;
  missing: number;
  unexpected: number;
  early: number;
}

export const emptySamples = (): Samples => ({
  timerLeg: [],
  promoteLeg: [],
  pushPerStream: [],
  pushFirstWave: [],
  pushLaterWaves: [],
  pushLast: [],
  e2ePerStream: [],
  e2eLast: [],
  validation: [],
  expected: 0,
  received: 0,
  missing: 0,
  unexpected: 0,
  early: 0,
});

/** One round (revision) of the scale part, as recorded. */
export interface RoundToAttribute {
  round: number;
  /** The load client's changes since the round began. */
  dump: Extract<FromClient, { type: 'changes' }>;
  /** Audit entries of this revision per rollout id, oldest first. */
  audits: Map<string, AuditEntry[]>;
  specs: Map<number, WasmRollout>;
  /** When each rollout's revision was applied (epoch ms). */
  applied: Map<string, number>;
  /** Stream i is nodes[i]. */
  nodes: ProxyNode[];
  rollouts: number;
  pauseS: number;
  /** When the benchmark sent each promote: `<id>|<revision>|<step index>` → epoch ms. */
  promoteSent: Map<string, number>;
  /** The version string the candidate of this revision is served under. */
  candidateVersion: string;
}

/** Matches the client's arrivals of revision `round` to the transitions that should have caused them. */
export function attribute(r: RoundToAttribute): Samples {
  const { round: rnd, dump, audits, specs: specsOf, applied, nodes, rollouts, pauseS, promoteSent } = r;
  const streams = nodes.length;
  const s = emptySamples();
  const want = dump.versions.indexOf(r.candidateVersion);
  // First arrival of the candidate version per (stream, slot); other changes are unexpected.
  const arrival = new Float64Array(streams * rollouts);
  const c = dump.changes;
  for (let i = 0; i < c.length; i += 4) {
    const k = c[i]! * rollouts + c[i + 1]!;
    if (c[i + 2] === want) {
      if (arrival[k] === 0) arrival[k] = c[i + 3]!;
    } else s.unexpected += 1;
  }
  for (let k = 0; k < rollouts; k++) {
    const id = rolloutId(k);
    const spec = specsOf.get(k)!;
    const steps = spec.spec.strategy.steps;
    const entries = audits.get(id) ?? [];
    const validated = entries.find((e) => e.action === 'ValidationSucceeded');
    if (validated) s.validation.push(Date.parse(validated.at) - applied.get(id)!);
    const transitions = entries.filter((e) => ['ValidationSucceeded', 'Tick', 'Promote'].includes(e.action));
    const seed = canarySeed(id, rnd);
    const assignments = transitions.map((t): Assignment => ({
      slot: slotOf(k),
      rolloutId: id,
      target: { clusters: spec.spec.target.clusters, workloads: spec.spec.target.workloads },
      stable: null,
      candidate: { revision: rnd, image: spec.spec.filter.image },
      waves: t.after.phase === 'Succeeded' ? [{ share: 1 }] : wavesUpTo(steps, t.after.stepIndex),
      seed,
    }));
    const at = transitions.map((t) => Date.parse(t.at));
    const due = transitions.map((t, j) => {
      if (t.action === 'Tick') return j > 0 ? at[j - 1]! + pauseS * 1000 : undefined;
      if (t.action === 'Promote') return promoteSent.get(`${id}|${rnd}|${t.before.stepIndex}`);
      return undefined;
    });
    transitions.forEach((t, j) => {
      if (due[j] === undefined) return;
      (t.action === 'Tick' ? s.timerLeg : s.promoteLeg).push(at[j]! - due[j]!);
    });
    const last = new Array<number>(transitions.length).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < streams; i++) {
      const got = arrival[i * rollouts + k]!;
      const j = assignments.findIndex((a) => assignmentForNode(nodes[i]!, a).role === 'candidate');
      if (j < 0) {
        if (got !== 0) s.unexpected += 1; // untargeted, or never reached: must not get the candidate
        continue;
      }
      s.expected += 1;
      if (got === 0) {
        s.missing += 1;
        continue;
      }
      s.received += 1;
      const push = got - at[j]!;
      if (push < -2) s.early += 1; // the audit time has ms resolution
      s.pushPerStream.push(push);
      (transitions[j]!.action === 'ValidationSucceeded' ? s.pushFirstWave : s.pushLaterWaves).push(push);
      last[j] = Math.max(last[j]!, push);
      if (due[j] !== undefined) s.e2ePerStream.push(got - due[j]!);
    }
    last.forEach((l, j) => {
      if (!Number.isFinite(l)) return;
      s.pushLast.push(l);
      if (due[j] !== undefined) s.e2eLast.push(l + at[j]! - due[j]!);
    });
  }
  return s;
}
