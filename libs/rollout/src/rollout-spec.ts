// The WasmRollout document: the same schema for YAML, REST, the CLI and the dashboard (DESIGN.md).
// Parsing normalizes it: durations become seconds, percentages numbers, steps carry `kind`, defaults are
// filled in and the slot defaults to `wasmfleet.<namespace>.<name>`. A normalized document parses again
// to itself.
import { z } from 'zod';
import { FilterSpecSchema } from './filter-spec.js';
import { TargetClustersSchema, WorkloadSelectorSchema } from './selectors.js';
import { StrategySchema } from './strategy-spec.js';

export const API_VERSION = 'wasmfleet.io/v1alpha1';
export const KIND = 'WasmRollout';

const DNS_LABEL_RE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .regex(DNS_LABEL_RE, 'must be a DNS label: 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit');

export const RolloutMetadataSchema = z.object({ name: dnsLabel, namespace: dnsLabel }).strict();

export const TargetSchema = z
  .object({
    clusters: TargetClustersSchema,
    workloads: WorkloadSelectorSchema.default({}),
  })
  .strict();

export const WasmRolloutSchema = z
  .object({
    apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
    kind: z.literal(KIND, { error: `must be ${KIND}` }),
    metadata: RolloutMetadataSchema,
    spec: z
      .object({
        filter: FilterSpecSchema,
        target: TargetSchema,
        strategy: StrategySchema,
      })
      .strict(),
  })
  .strict()
  .transform((doc) => ({
    ...doc,
    spec: {
      ...doc.spec,
      filter: { ...doc.spec.filter, slot: doc.spec.filter.slot ?? defaultSlotName(doc.metadata) },
    },
  }));

/** A normalized WasmRollout: every default filled in, durations in seconds, percentages as numbers. */
export type WasmRollout = z.output<typeof WasmRolloutSchema>;
export type RolloutMetadata = WasmRollout['metadata'];
export type FilterSpec = WasmRollout['spec']['filter'];
export type RolloutTarget = WasmRollout['spec']['target'];

/** `wasmfleet.<namespace>.<name>`, the HttpFilter name the slot stands for. */
export function defaultSlotName(metadata: { name: string; namespace: string }): string {
  return `wasmfleet.${metadata.namespace}.${metadata.name}`;
}

/** `<namespace>/<name>`: how audit entries, metrics and the canary assignment name a rollout. */
export function rolloutIdOf(metadata: { name: string; namespace: string }): string {
  return `${metadata.namespace}/${metadata.name}`;
}
