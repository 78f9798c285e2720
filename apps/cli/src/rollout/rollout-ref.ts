// `<namespace>/<name>`, as rollouts are named everywhere (audit entries, metrics, the REST paths).
import { usageError } from '../cli-error.js';

export interface RolloutRef {
  namespace: string;
  name: string;
  /** `namespace/name` */
  id: string;
  /** `/api/v1/rollouts/<namespace>/<name>` */
  path: string;
}

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseRolloutRef(text: string): RolloutRef {
  const parts = text.trim().split('/');
  if (parts.length !== 2 || !parts.every((p) => DNS_LABEL.test(p))) {
    throw usageError(
      `"${text}" is not a rollout: expected <namespace>/<name> (lowercase DNS labels)`,
      'e.g. bookinfo/add-header; `wasmfleet rollout list` shows them',
    );
  }
  const [namespace, name] = parts as [string, string];
  return { namespace, name, id: `${namespace}/${name}`, path: `/api/v1/rollouts/${namespace}/${name}` };
}
