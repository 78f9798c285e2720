// Which nodes a canary step moves, without asking every node. Within one revision of a rollout (same target,
// same seed) a targeted node is a candidate exactly when its rank is below its cluster's share, so a step
// that changes shares from s to s' can only move, in each cluster, the nodes whose rank lies in
// [0, min), [min, max) or [max, 1) as a whole: whichever ranges are served another artifact now. Keeping
// each cluster's targeted nodes sorted by rank makes a step cost O(clusters + moved nodes) instead of
// O(nodes): with thousands of proxies watching a slot, a 10% wave should not make every one of them look
// again. Untargeted nodes are never in the index: within one placement they keep the slot's own config.
import { clusterKey, type AssignmentEvaluator } from './assignment-evaluator.js';
import type { ProxyNode } from './canary-assignment.js';
import type { ClusterInfo } from './selectors.js';

interface ClusterMembers<T> {
  cluster: ClusterInfo;
  /** Sorted by rank. */
  ranks: number[];
  items: T[];
}

/** The index only answers for assignments placed like the one it was built with. */
export class CanaryIndex<T> {
  readonly placementKey: string;
  private readonly clusters: ClusterMembers<T>[] = [];

  /** `population`: the nodes to index, each with the item to report when it moves (e.g. its stream's node). */
  constructor(placedLike: AssignmentEvaluator, population: Iterable<readonly [T, ProxyNode]>) {
    this.placementKey = placedLike.placementKey;
    const byCluster = new Map<string, { cluster: ClusterInfo; members: Array<[number, T]> }>();
    for (const [item, node] of population) {
      if (!placedLike.isTargeted(node)) continue;
      const key = clusterKey(node.cluster);
      let entry = byCluster.get(key);
      if (!entry) byCluster.set(key, (entry = { cluster: node.cluster, members: [] }));
      entry.members.push([placedLike.rankOf(node), item]);
    }
    for (const { cluster, members } of byCluster.values()) {
      members.sort((a, b) => a[0] - b[0]);
      this.clusters.push({ cluster, ranks: members.map(([rank]) => rank), items: members.map(([, item]) => item) });
    }
  }

  /**
   * The indexed items served differently under `after` than under `before` (see servedKey), or undefined
   * when the index cannot tell because either is placed differently (another target or seed: ask every node).
   */
  moved(before: AssignmentEvaluator, after: AssignmentEvaluator): T[] | undefined {
    if (before.placementKey !== this.placementKey || after.placementKey !== this.placementKey) return undefined;
    const served = (e: AssignmentEvaluator) => ({ below: e.servedKeyOf('candidate'), above: e.servedKeyOf('stable') });
    const was = served(before);
    const now = served(after);
    const out: T[] = [];
    for (const { cluster, ranks, items } of this.clusters) {
      const a = before.candidateShareOf(cluster);
      const b = after.candidateShareOf(cluster);
      // Ranks in [0, lo) are below both shares, [lo, hi) below one of them, [hi, 1) below neither. Plain
      // loops: this runs for every cluster on every step, and literal range pairs cost an allocation each.
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      for (let range = 0; range < 3; range++) {
        const from = range === 0 ? 0 : range === 1 ? lo : hi;
        const to = range === 0 ? lo : range === 1 ? hi : 1;
        if (from >= to) continue;
        if ((from < a ? was.below : was.above) === (from < b ? now.below : now.above)) continue;
        for (let i = lowerBound(ranks, from), end = lowerBound(ranks, to); i < end; i++) out.push(items[i]!);
      }
    }
    return out;
  }
}

/** The first index whose rank is ≥ value (ranks ascending). */
function lowerBound(ranks: number[], value: number): number {
  let lo = 0;
  let hi = ranks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranks[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
