// wasmfleet rollout retry <ns/name>: starts a failed, rolled back or aborted revision again from its first step.
import type { Command } from 'commander';
import { registerAction } from '../../rollout/rollout-action.js';

export function register(group: Command): void {
  registerAction(group, {
    name: 'retry',
    description: 'start a Failed, RolledBack or Aborted revision again from its first step',
    path: () => 'retry',
    done: (_flags, id) => `retrying ${id}`,
  });
}
