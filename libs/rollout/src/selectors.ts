// Which clusters and which workloads a rollout (or one wave of it) concerns: by name or by labels.
import { z } from 'zod';

const LABEL_KEY_RE = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
const CLUSTER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export const LabelsSchema = z.record(
  z.string().regex(LABEL_KEY_RE, 'label keys are [prefix/]name as in Kubernetes: letters, digits, "-", "_", "."'),
  z.string().regex(LABEL_VALUE_RE, 'label values are at most 63 letters, digits, "-", "_", "."'),
);

export const ClusterNameSchema = z
  .string()
  .regex(CLUSTER_NAME_RE, 'cluster names are 1-253 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Clusters by name or by labels; `{ matchLabels: {} }` means every cluster. */
export type ClusterSelector = { names: string[] } | { matchLabels: Record<string, string> };

const clusterSelectorObject = z
  .object({
    names: z.array(ClusterNameSchema).min(1, 'list at least one cluster').optional(),
    matchLabels: LabelsSchema.optional(),
  })
  .strict()
  .transform((value, ctx): ClusterSelector => {
    if ((value.names === undefined) === (value.matchLabels === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of names or matchLabels' });
      return z.NEVER;
    }
    return value.names !== undefined ? { names: value.names } : { matchLabels: value.matchLabels ?? {} };
  });

/** spec.target.clusters: `{ names: [...] }` or `{ matchLabels: {...} }`. */
export const TargetClustersSchema = clusterSelectorObject;

/** A wave's clusters: a list of names (the short form), `{ names }` or `{ matchLabels }`. */
export const WaveClustersSchema = z.union([
  z
    .array(ClusterNameSchema)
    .min(1, 'list at least one cluster')
    .transform((names): ClusterSelector => ({ names })),
  clusterSelectorObject,
]);

/** Which proxies inside a cluster: their workload's namespace and labels; `{}` means every proxy. */
export const WorkloadSelectorSchema = z
  .object({
    namespace: z.string().min(1).max(253).optional(),
    matchLabels: LabelsSchema.optional(),
  })
  .strict();
export type WorkloadSelector = z.output<typeof WorkloadSelectorSchema>;

export interface ClusterInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface WorkloadInfo {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** True when every label in `wanted` is on `labels` with the same value. */
export function labelsMatch(wanted: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  // No entries array: this runs per cluster and wave on every rollout step.
  for (const key in wanted) if (Object.hasOwn(wanted, key) && labels[key] !== wanted[key]) return false;
  return true;
}

export function clusterMatches(selector: ClusterSelector, cluster: ClusterInfo): boolean {
  return 'names' in selector ? selector.names.includes(cluster.name) : labelsMatch(selector.matchLabels, cluster.labels);
}

export function workloadMatches(selector: WorkloadSelector, workload: WorkloadInfo): boolean {
  if (selector.namespace !== undefined && selector.namespace !== workload.namespace) return false;
  return labelsMatch(selector.matchLabels ?? {}, workload.labels);
}

/** `canary-east, canary-west` / `clusters env=prod` / `all clusters`, for messages. */
export function describeClusters(selector: ClusterSelector | undefined): string {
  if (selector === undefined) return 'all target clusters';
  if ('names' in selector) return selector.names.join(', ');
  const labels = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  return labels.length === 0 ? 'all clusters' : `clusters ${labels.join(',')}`;
}
