// Which proxies get the candidate. A pure, deterministic function of (proxy id, seed, share), shared by the
// agent and the server's direct mode: a proxy is a candidate when hash(seed/proxyId) < share, so raising the
// share only ever adds proxies (the same ones stay canary as the share grows).
import type { Assignment } from './effects.js';
import { unitHash } from './hash.js';
import type { Artifact, CanaryWave, RolloutStatus } from './rollout-status.js';
import type { WasmRollout } from './rollout-spec.js';
import { clusterMatches, workloadMatches, type ClusterInfo, type ClusterSelector, type WorkloadInfo } from './selectors.js';

/** The proxy's place in [0, 1) for this seed; a candidate iff below the share. */
export function candidateRank(proxyId: string, seed: string): number {
  return unitHash(`${seed}/${proxyId}`);
}

/**
 * True when `proxyId` gets the candidate at `share` (0..1). `seed` names the rollout: the assignment's
 * `seed` (`<namespace>/<name>#<revision>`).
 */
export function isCandidate(proxyId: string, seed: string, share: number): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  return candidateRank(proxyId, seed) < share;
}

/** The clusters a wave covers: those in the rollout's target that the wave's selector (if any) picks. */
export function selectClusters(
  wave: { clusters?: ClusterSelector },
  clusters: readonly ClusterInfo[],
  target?: ClusterSelector,
): string[] {
  return clusters
    .filter((c) => (target === undefined || clusterMatches(target, c)) && (wave.clusters === undefined || clusterMatches(wave.clusters, c)))
    .map((c) => c.name);
}

/** The candidate share in one cluster: the largest share among the waves that cover it; 0 outside the target. */
export function shareForCluster(assignment: Pick<Assignment, 'target' | 'waves'>, cluster: ClusterInfo): number {
  if (!clusterMatches(assignment.target.clusters, cluster)) return 0;
  return assignment.waves.reduce(
    (share: number, wave: CanaryWave) =>
      wave.clusters === undefined || clusterMatches(wave.clusters, cluster) ? Math.max(share, wave.share) : share,
    0,
  );
}

export interface ProxyNode {
  id: string;
  cluster: ClusterInfo;
  workload: WorkloadInfo;
}

export type NodeRole = 'candidate' | 'stable' | 'untargeted';

/**
 * What one proxy runs in the slot: the candidate, the stable version, or nothing from this rollout
 * (`untargeted`: outside the target clusters/workloads). `artifact` is null when the role's version is
 * "no filter" (a first rollout has no stable version).
 */
export function assignmentForNode(node: ProxyNode, assignment: Assignment): { role: NodeRole; artifact: Artifact | null } {
  if (!clusterMatches(assignment.target.clusters, node.cluster) || !workloadMatches(assignment.target.workloads, node.workload)) {
    return { role: 'untargeted', artifact: null };
  }
  if (assignment.candidate !== null && isCandidate(node.id, assignment.seed, shareForCluster(assignment, node.cluster))) {
    return { role: 'candidate', artifact: assignment.candidate };
  }
  return { role: 'stable', artifact: assignment.stable };
}

/** What ECDS should serve for the rollout's slot, derived from the status alone. */
export function assignmentOf(spec: WasmRollout, status: RolloutStatus): Assignment {
  const serving = status.canary.waves.length > 0;
  return {
    slot: status.slot,
    rolloutId: status.rolloutId,
    target: { clusters: spec.spec.target.clusters, workloads: spec.spec.target.workloads },
    stable: status.stable ?? null,
    candidate: serving ? status.candidate : null,
    waves: serving ? status.canary.waves : [],
    seed: status.canary.seed,
  };
}

/** Whether the proxy gets the candidate under the rollout's current status. */
export function nodeGetsCandidate(node: ProxyNode, spec: WasmRollout, status: RolloutStatus): boolean {
  return assignmentForNode(node, assignmentOf(spec, status)).role === 'candidate';
}
