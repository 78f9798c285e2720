// assignmentForNode for thousands of nodes against one assignment, as the ECDS resolver needs on every step
// of a rollout: whether a node is in the target depends only on the node and the target, and its canary rank
// only on the node and the seed, so both are remembered per node and handed on to the next assignment of
// the same rollout while the target (across revisions) or the seed (within a revision) stays the same. The
// share of a cluster is worked out once per cluster. The answers are exactly assignmentForNode's (tested on random fleets).
import { candidateRank, shareForCluster, type NodeRole, type ProxyNode } from './canary-assignment.js';
import type { Assignment } from './effects.js';
import type { Artifact } from './rollout-status.js';
import { clusterMatches, workloadMatches, type ClusterInfo } from './selectors.js';

/** Labels are part of a cluster's identity for the share: two clusters of one name may disagree on them. */
const clusterKeys = new WeakMap<ClusterInfo, string>();
export function clusterKey(cluster: ClusterInfo): string {
  let key = clusterKeys.get(cluster);
  if (key === undefined) {
    key = `${cluster.name}\n${JSON.stringify(Object.entries(cluster.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
    clusterKeys.set(cluster, key);
  }
  return key;
}

/**
 * What a proxy is served for a role: the slot's own config (no artifact of this rollout), or one artifact of
 * this rollout (a revision names a spec, and so the served config, only within its rollout). The role
 * itself does not count: a candidate that becomes the stable version is served unchanged.
 */
const BASE_KEY = 'base';
const servedKeyOfArtifact = (rolloutId: string, artifact: Artifact | null) =>
  artifact ? `${rolloutId}\n${artifact.revision}:${artifact.sha256 ?? ''}:${artifact.image}` : BASE_KEY;

export class AssignmentEvaluator {
  /** Equal for two assignments whose nodes have the same target membership and canary ranks. */
  readonly placementKey: string;
  private readonly targetKey: string;
  /** In the target or not, per node: kept while the target stays (across revisions). */
  private readonly targeted: WeakMap<ProxyNode, boolean>;
  /** Canary rank per node: kept while the seed stays (one revision). */
  private readonly ranks: WeakMap<ProxyNode, number>;
  private readonly shares = new Map<string, number>();
  private readonly servedKeys: Record<NodeRole, string>;

  /** `previous`: the evaluator of the rollout's assignment before this one, whose per-node work may carry over. */
  constructor(
    readonly assignment: Assignment,
    previous?: AssignmentEvaluator,
  ) {
    this.targetKey = JSON.stringify(assignment.target);
    this.placementKey = `${this.targetKey}\n${assignment.seed}`;
    this.targeted = previous?.targetKey === this.targetKey ? previous.targeted : new WeakMap();
    this.ranks = previous?.assignment.seed === assignment.seed ? previous.ranks : new WeakMap();
    this.servedKeys = {
      candidate: servedKeyOfArtifact(assignment.rolloutId, assignment.candidate),
      stable: servedKeyOfArtifact(assignment.rolloutId, assignment.stable),
      untargeted: BASE_KEY,
    };
  }

  /** assignmentForNode(node, assignment).role */
  roleOf(node: ProxyNode): NodeRole {
    if (!this.isTargeted(node)) return 'untargeted';
    if (this.assignment.candidate === null) return 'stable';
    const share = this.shareOf(node.cluster);
    if (share <= 0) return 'stable';
    if (share >= 1) return 'candidate';
    return this.rankOf(node) < share ? 'candidate' : 'stable';
  }

  /** Whether the node is in the rollout's target (clusters and workloads). */
  isTargeted(node: ProxyNode): boolean {
    let targeted = this.targeted.get(node);
    if (targeted === undefined) {
      const { target } = this.assignment;
      targeted = clusterMatches(target.clusters, node.cluster) && workloadMatches(target.workloads, node.workload);
      this.targeted.set(node, targeted);
    }
    return targeted;
  }

  /** The node's canary rank in [0, 1): a candidate exactly when below its cluster's share. */
  rankOf(node: ProxyNode): number {
    let rank = this.ranks.get(node);
    if (rank === undefined) {
      rank = candidateRank(node.id, this.assignment.seed);
      this.ranks.set(node, rank);
    }
    return rank;
  }

  /** The candidate share of a cluster: 0 when nobody there gets a candidate (none, or outside every wave). */
  candidateShareOf(cluster: ClusterInfo): number {
    return this.assignment.candidate === null ? 0 : this.shareOf(cluster);
  }

  /** True when every node is served the same by both: no candidate in either, same target and stable. */
  servesAllAs(other: AssignmentEvaluator): boolean {
    return (
      this.assignment.candidate === null &&
      other.assignment.candidate === null &&
      this.targetKey === other.targetKey &&
      this.servedKeys.stable === other.servedKeys.stable
    );
  }

  /** What a role is served, as servedKey says it. */
  servedKeyOf(role: NodeRole): string {
    return this.servedKeys[role];
  }

  /** assignmentForNode(node, assignment).artifact */
  artifactOf(node: ProxyNode): Artifact | null {
    const role = this.roleOf(node);
    return role === 'candidate' ? this.assignment.candidate : role === 'stable' ? this.assignment.stable : null;
  }

  /** A string equal for two (node, assignment) pairs exactly when they serve the same thing (artifact or the slot's own config). */
  servedKey(node: ProxyNode): string {
    return this.servedKeyOf(this.roleOf(node));
  }

  /** The largest share among the waves that cover the cluster (shareForCluster), worked out once per cluster. */
  private shareOf(cluster: ClusterInfo): number {
    const key = clusterKey(cluster);
    let share = this.shares.get(key);
    if (share === undefined) {
      share = shareForCluster(this.assignment, cluster);
      this.shares.set(key, share);
    }
    return share;
  }
}
