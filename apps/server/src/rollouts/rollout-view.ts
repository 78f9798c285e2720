// How a rollout is shown over the API (and so in the CLI and dashboard).
import { allowedActions } from '@wasmfleet/rollout';
import type { StoredRollout } from './rollout-store.js';

export function rolloutView(r: StoredRollout) {
  const [namespace, name] = r.id.split('/');
  return {
    id: r.id,
    namespace,
    name,
    slot: r.status.slot,
    revision: r.status.revision,
    latestRevision: r.revision,
    phase: r.status.phase,
    message: r.status.message,
    reason: r.status.reason,
    currentStep: r.status.currentStep,
    stepIndex: r.status.stepIndex,
    stepCount: r.status.stepCount,
    canary: r.status.canary,
    ...(r.status.approval && { approval: r.status.approval }),
    ...(r.status.analysis && { analysis: r.status.analysis }),
    stable: r.status.stable ?? null,
    candidate: r.status.candidate,
    createdBy: r.status.createdBy,
    createdAt: r.createdAt,
    updatedAt: r.status.updatedAt,
    allowedActions: allowedActions(r.status),
    /** For optimistic concurrency in clients that want it. */
    version: r.version,
  };
}
