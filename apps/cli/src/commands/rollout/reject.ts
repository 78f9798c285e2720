// wasmfleet rollout reject <ns/name> [--comment why]: refuses the approval gate; the rollout fails (and rolls
// back automatically when proxies already run the candidate).
import type { Command } from 'commander';
import { registerAction } from '../../rollout/rollout-action.js';

export function register(group: Command): void {
  registerAction(group, {
    name: 'reject',
    description: 'reject the gate a rollout is waiting at: the rollout fails (and rolls back)',
    path: () => 'reject',
    done: (_flags, id) => `rejected ${id}`,
    hints: (ref) => ({ invalid_transition: `only a rollout in AwaitingApproval can be rejected; see \`wasmfleet rollout status ${ref.id}\`` }),
  });
}
