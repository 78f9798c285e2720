// wasmfleet rollout approve <ns/name> [--comment why]: passes the approval gate the rollout waits at. Needs a
// role the gate names; the author of the revision may not approve it (four-eyes, exit 6).
import type { Command } from 'commander';
import { registerAction } from '../../rollout/rollout-action.js';

export function register(group: Command): void {
  registerAction(group, {
    name: 'approve',
    description: 'approve the gate a rollout is waiting at (not as the author of its revision: four-eyes)',
    path: () => 'approve',
    done: (_flags, id) => `approved ${id}`,
    hints: (ref) => ({ invalid_transition: `only a rollout in AwaitingApproval can be approved; see \`wasmfleet rollout status ${ref.id}\`` }),
  });
}
