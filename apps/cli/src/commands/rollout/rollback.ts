// wasmfleet rollout rollback <ns/name> [--to-revision N]: every proxy back at once (no step replayed) to the
// stable version the revision started from, or to an earlier validated revision.
import type { Command } from 'commander';
import { usageError } from '../../cli-error.js';
import { registerAction, type ActionFlags } from '../../rollout/rollout-action.js';

interface RollbackFlags extends ActionFlags {
  toRevision?: string;
}

function revision(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(`--to-revision must be a revision number (1, 2, …), found "${text}"`, 'see the revisions with `wasmfleet rollout history <rollout>`');
  }
  return n;
}

export function register(group: Command): void {
  registerAction<RollbackFlags>(group, {
    name: 'rollback',
    description: 'put every proxy back at once on the stable version, or on an earlier revision with --to-revision',
    options: (cmd) => cmd.option('--to-revision <n>', 'an earlier revision whose module was validated (see `rollout history`)'),
    path: () => 'rollback',
    body: (flags) => (flags.toRevision !== undefined ? { toRevision: revision(flags.toRevision) } : {}),
    done: (flags, id) => `rolled back ${id}${flags.toRevision !== undefined ? ` to revision ${flags.toRevision}` : ''}`,
    hints: (ref) => ({ unknown_revision: `see which revisions were validated: wasmfleet rollout history ${ref.id}` }),
  });
}
