// The simulated fleet of the scale part (shared by the orchestrator and the load client, which must agree
// on every node) and the IPC messages between them.
//
// Clusters c-0000…c-<n-1> carry cluster_labels {region: r0…r4, env: staging (20%) | prod}. Each cluster
// runs `perCluster` nodes, one per workload in turn: shop/web, shop/api, payments/ledger. Stream i is
// node i: cluster i mod n, workload ⌊i / n⌋, so consecutive streams (one HTTP/2 channel) span many clusters.

export interface SimNode {
  id: string;
  cluster: string;
  metadata: { cluster_labels: Record<string, string>; namespace: string; labels: Record<string, string> };
}

export const WORKLOADS = [
  { namespace: 'shop', app: 'web' },
  { namespace: 'shop', app: 'api' },
  { namespace: 'payments', app: 'ledger' },
] as const;

export const REGIONS = 5;

/** Rollout k of the scale part: its id and the slot it holds. */
export const NAMESPACE = 'bench';
export const rolloutName = (k: number) => `r-${String(k).padStart(2, '0')}`;
export const rolloutId = (k: number) => `${NAMESPACE}/${rolloutName(k)}`;
export const slotOf = (k: number) => `wasmfleet.${NAMESPACE}.${rolloutName(k)}`;

export const clusterName = (i: number) => `c-${String(i).padStart(4, '0')}`;

export function clusterLabels(i: number): Record<string, string> {
  return { region: `r${i % REGIONS}`, env: i % 10 < 2 ? 'staging' : 'prod' };
}

export function simNode(index: number, clusters: number): SimNode {
  const c = index % clusters;
  const j = Math.floor(index / clusters);
  const w = WORKLOADS[j % WORKLOADS.length]!;
  return {
    id: `${clusterName(c)}.${w.namespace}.${w.app}-${j}`,
    cluster: clusterName(c),
    metadata: { cluster_labels: clusterLabels(c), namespace: w.namespace, labels: { app: w.app } },
  };
}

/** Orchestrator → load client. */
export type ToClient =
  | {
      type: 'open';
      target: string;
      token: string;
      /** Streams = nodes 0…streams-1 of simNode(i, clusters). */
      streams: number;
      clusters: number;
      /** Every stream subscribes to all of these (Delta). */
      slots: string[];
      perChannel: number;
      batch: number;
      batchTimeoutMs: number;
    }
  /** Forget the changes recorded so far. */
  | { type: 'mark' }
  /** Send the changes recorded since the last mark. */
  | { type: 'dump' };

/** Load client → orchestrator. */
export type FromClient =
  | { type: 'progress'; opened: number; ready: number; errors: number }
  | { type: 'opened'; ready: number; errors: number; setupMs: number }
  | { type: 'marked' }
  | {
      type: 'changes';
      /** Interned version strings. */
      versions: string[];
      /** Flat quadruples: stream index, slot index, version index, wall-clock epoch ms of arrival. */
      changes: number[];
      errors: number;
      firstError?: string;
      /** Responses received since the mark, and ACKs written. */
      responses: number;
    }
  | { type: 'fatal'; message: string };
