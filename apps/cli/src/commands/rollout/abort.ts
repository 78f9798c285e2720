// wasmfleet rollout abort <ns/name>: stops the rollout and puts every proxy back on the stable version.
import type { Command } from 'commander';
import { registerAction } from '../../rollout/rollout-action.js';

export function register(group: Command): void {
  registerAction(group, {
    name: 'abort',
    description: 'stop a rollout: every proxy goes back to the stable version (phase Aborted)',
    path: () => 'abort',
    done: (_flags, id) => `aborted ${id}`,
  });
}
