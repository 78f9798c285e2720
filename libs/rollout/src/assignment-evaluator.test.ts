import { describe, expect, it } from 'vitest';
import { AssignmentEvaluator } from './assignment-evaluator.js';
import { assignmentForNode, type ProxyNode } from './canary-assignment.js';
import { CanaryIndex } from './canary-index.js';
import type { Assignment } from './effects.js';
import type { Artifact, CanaryWave } from './rollout-status.js';

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STABLE: Artifact = { revision: 1, image: 'oci://r/f:1', sha256: 'a'.repeat(64) };
const CANDIDATE: Artifact = { revision: 2, image: 'oci://r/f:2', sha256: 'b'.repeat(64) };

function fleet(rand: () => number, size: number): ProxyNode[] {
  return Array.from({ length: size }, (_, i) => {
    const c = Math.floor(rand() * 30);
    return {
      id: `proxy-${i}`,
      // Some clusters of one name disagree on their labels (bad metadata): the share must follow the labels.
      cluster: { name: `c-${c}`, labels: { env: c % 3 === 0 ? 'staging' : 'prod', region: `r${c % 4}`, ...(rand() < 0.05 && { odd: 'yes' }) } },
      workload: { namespace: rand() < 0.6 ? 'shop' : 'payments', labels: { app: rand() < 0.5 ? 'web' : 'api' } },
    };
  });
}

function assignment(over: Partial<Assignment>): Assignment {
  return {
    slot: 's',
    rolloutId: 'ns/r',
    target: { clusters: { matchLabels: {} }, workloads: { namespace: 'shop' } },
    stable: STABLE,
    candidate: CANDIDATE,
    waves: [],
    seed: 'ns/r#2',
    ...over,
  };
}

function expectSameAnswers(evaluator: AssignmentEvaluator, nodes: ProxyNode[]): void {
  for (const node of nodes) {
    const expected = assignmentForNode(node, evaluator.assignment);
    expect({ id: node.id, role: evaluator.roleOf(node), artifact: evaluator.artifactOf(node) }).toEqual({ id: node.id, ...expected });
  }
}

describe('AssignmentEvaluator', () => {
  const nodes = fleet(random(7), 2000);
  const waves: CanaryWave[][] = [
    [],
    [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.1 }],
    [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.1 }, { clusters: { names: ['c-1', 'c-2', 'c-3'] }, share: 0.25 }],
    [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.1 }, { share: 0.5 }],
    [{ share: 1 }],
    [{ share: 0 }],
  ];

  it('answers as assignmentForNode through the steps of a rollout, reusing what carries over', () => {
    let previous: AssignmentEvaluator | undefined;
    for (const w of waves) {
      const evaluator: AssignmentEvaluator = new AssignmentEvaluator(assignment({ waves: w }), previous);
      expectSameAnswers(evaluator, nodes);
      previous = evaluator;
    }
  });

  it('does not carry the ranks of one seed over to another, nor membership over to another target', () => {
    const first = new AssignmentEvaluator(assignment({ waves: [{ share: 0.5 }] }));
    expectSameAnswers(first, nodes);
    const newSeed = new AssignmentEvaluator(assignment({ waves: [{ share: 0.5 }], seed: 'ns/r#3' }), first);
    expectSameAnswers(newSeed, nodes);
    const newTarget = new AssignmentEvaluator(
      assignment({ waves: [{ share: 0.5 }], seed: 'ns/r#3', target: { clusters: { names: ['c-4', 'c-5'] }, workloads: { matchLabels: { app: 'api' } } } }),
      newSeed,
    );
    expectSameAnswers(newTarget, nodes);
    const movedSeed = nodes.filter((n) => first.roleOf(n) !== newSeed.roleOf(n));
    expect(movedSeed.length).toBeGreaterThan(100); // the new seed really reshuffles the canary
  });

  it('answers for a rollout without candidate or without stable', () => {
    expectSameAnswers(new AssignmentEvaluator(assignment({ candidate: null, waves: [{ share: 0.5 }] })), nodes);
    expectSameAnswers(new AssignmentEvaluator(assignment({ stable: null, waves: [{ share: 0.3 }] })), nodes);
  });

  it('gives equal served keys exactly when the served artifact is equal', () => {
    const before = new AssignmentEvaluator(assignment({ waves: [{ share: 0.1 }] }));
    const after = new AssignmentEvaluator(assignment({ waves: [{ share: 0.5 }] }), before);
    const rolledBack = new AssignmentEvaluator(assignment({ candidate: null, waves: [] }), after);
    for (const [x, y] of [[before, after], [after, rolledBack]] as const) {
      let changed = 0;
      for (const node of nodes) {
        const a = assignmentForNode(node, x.assignment);
        const b = assignmentForNode(node, y.assignment);
        const same = a.artifact === b.artifact; // the same object, or both null (the slot's own config)
        expect(x.servedKey(node) === y.servedKey(node)).toBe(same);
        if (!same) changed++;
      }
      expect(changed).toBeGreaterThan(0);
    }
  });
});

describe('CanaryIndex', () => {
  const nodes = fleet(random(11), 3000);
  const population = nodes.map((n) => [n, n] as const);
  const brute = (x: AssignmentEvaluator, y: AssignmentEvaluator) => nodes.filter((n) => x.servedKey(n) !== y.servedKey(n));
  const sorted = (list: ProxyNode[]) => list.map((n) => n.id).sort();

  it('finds exactly the nodes a step moves, step after step of one revision', () => {
    const steps: Array<Partial<Assignment>> = [
      { candidate: null, waves: [] },
      { waves: [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.1 }] },
      { waves: [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.1 }, { clusters: { names: ['c-1', 'c-2'] }, share: 0.25 }] },
      { waves: [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.1 }, { share: 0.5 }] },
      { waves: [{ share: 1 }] },
      { waves: [{ share: 0.2 }] }, // a share can also go down (promote then a manual step back)
      { candidate: null, waves: [] }, // aborted: everyone back on stable
    ];
    let previous = new AssignmentEvaluator(assignment(steps[0]!));
    const index = new CanaryIndex(previous, population);
    let total = 0;
    for (const step of steps.slice(1)) {
      const next = new AssignmentEvaluator(assignment(step), previous);
      const moved = index.moved(previous, next);
      expect(moved).toBeDefined();
      expect(sorted(moved!)).toEqual(sorted(brute(previous, next)));
      total += moved!.length;
      previous = next;
    }
    expect(total).toBeGreaterThan(1000);
  });

  it('finds the moved nodes when the artifacts change within one placement (promotion, rollback, new candidate)', () => {
    const canary = new AssignmentEvaluator(assignment({ waves: [{ clusters: { matchLabels: { env: 'staging' } }, share: 0.5 }] }));
    const index = new CanaryIndex(canary, population);
    const cases = [
      assignment({ stable: CANDIDATE, candidate: null, waves: [] }), // succeeded: candidates keep their config
      assignment({ candidate: null, waves: [] }), // rolled back
      assignment({ candidate: { ...CANDIDATE, revision: 3 }, waves: [{ share: 0.2 }] }),
      assignment({ stable: null, waves: [{ share: 0.3 }] }),
    ];
    for (const other of cases) {
      const next = new AssignmentEvaluator(other, canary);
      expect(sorted(index.moved(canary, next)!)).toEqual(sorted(brute(canary, next)));
    }
    const succeeded = new AssignmentEvaluator(cases[0]!, canary);
    const candidatesBefore = nodes.filter((n) => canary.roleOf(n) === 'candidate');
    expect(candidatesBefore.length).toBeGreaterThan(50);
    expect(index.moved(canary, succeeded)!.some((n) => candidatesBefore.includes(n))).toBe(false);
  });

  it('does not answer for another seed or target', () => {
    const base = new AssignmentEvaluator(assignment({ waves: [{ share: 0.1 }] }));
    const index = new CanaryIndex(base, population);
    for (const other of [
      assignment({ waves: [{ share: 0.5 }], seed: 'ns/r#3' }),
      assignment({ waves: [{ share: 0.5 }], target: { clusters: { names: ['c-1'] }, workloads: {} } }),
    ]) {
      expect(index.moved(base, new AssignmentEvaluator(other))).toBeUndefined();
    }
  });

  it('knows when two assignments serve everyone alike', () => {
    const applied = new AssignmentEvaluator(assignment({ candidate: null, waves: [], seed: 'ns/r#3' }));
    const before = new AssignmentEvaluator(assignment({ candidate: null, waves: [] }));
    expect(applied.servesAllAs(before)).toBe(true);
    expect(brute(applied, before)).toEqual([]);
    expect(applied.servesAllAs(new AssignmentEvaluator(assignment({ candidate: null, stable: CANDIDATE })))).toBe(false);
    expect(applied.servesAllAs(new AssignmentEvaluator(assignment({ waves: [{ share: 0.1 }] })))).toBe(false);
  });
});
