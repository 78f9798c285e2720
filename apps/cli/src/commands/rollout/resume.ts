// wasmfleet rollout resume <ns/name>: continues a paused rollout, re-running the interrupted step.
import type { Command } from 'commander';
import { registerAction } from '../../rollout/rollout-action.js';

export function register(group: Command): void {
  registerAction(group, {
    name: 'resume',
    description: 'resume a paused rollout (the interrupted step runs again)',
    path: () => 'resume',
    done: (_flags, id) => `resumed ${id}`,
  });
}
