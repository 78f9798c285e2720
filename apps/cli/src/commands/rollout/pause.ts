// wasmfleet rollout pause <ns/name>: holds a progressing rollout where it is (its analysis clock stops).
import type { Command } from 'commander';
import { registerAction } from '../../rollout/rollout-action.js';

export function register(group: Command): void {
  registerAction(group, {
    name: 'pause',
    description: 'pause a progressing rollout where it is (resume re-runs the interrupted step)',
    path: () => 'pause',
    done: (_flags, id) => `paused ${id}`,
  });
}
