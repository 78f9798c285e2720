// wasmfleet rollout promote <ns/name> [--full]: accepts the current step and moves to the next one; with
// --full, skips every remaining step (approval gates only if the caller could approve them).
import type { Command } from 'commander';
import { registerAction, type ActionFlags } from '../../rollout/rollout-action.js';

interface PromoteFlags extends ActionFlags {
  full?: boolean;
}

export function register(group: Command): void {
  registerAction<PromoteFlags>(group, {
    name: 'promote',
    description: 'accept the current step and go on to the next; --full: skip to 100% (gates only for approvers)',
    options: (cmd) => cmd.option('--full', 'skip every remaining step (each approval gate only if you could approve it)'),
    path: (flags) => (flags.full ? 'promote-full' : 'promote'),
    done: (flags, id) => `${flags.full ? 'fully promoted' : 'promoted'} ${id}`,
    hints: (ref) => ({
      invalid_transition: `promote cannot skip an approval gate: approve it, or \`promote --full\` as an approver; see \`wasmfleet rollout status ${ref.id}\``,
    }),
  });
}
