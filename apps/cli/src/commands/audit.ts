// wasmfleet audit [--rollout ns/name] [--actor id] [--action Approve] [--limit n]: who did what to which rollout or token,
// when and why, newest first (needs a role with audit:read).
import type { Command } from 'commander';
import { connect } from '../api/server-client.js';
import { serverOptions, type ServerFlags } from '../api/server-options.js';
import { usageError } from '../cli-error.js';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { parseRolloutRef } from '../rollout/rollout-ref.js';
import { auditTable } from '../rollout/rollout-text.js';
import type { AuditEntry } from '../rollout/rollout-view.js';

interface AuditFlags extends ServerFlags {
  rollout?: string;
  actor?: string;
  action?: string;
  limit: string;
  output: OutputFormat;
}

/** `approve` → `Approve`, `promote-full` → `PromoteFull`; `ValidationSucceeded` stays as it is. */
export function auditAction(text: string): string {
  const t = text.trim();
  if (!/^[A-Za-z][A-Za-z-_]*$/.test(t)) throw usageError(`--action "${text}" is not an action name`, 'e.g. Applied, Approve, Reject, Promote, PromoteFull, Rollback, Succeeded');
  return t
    .split(/[-_]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function limit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 10_000) throw usageError(`--limit must be an integer from 1 to 10000, found "${text}"`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('audit')
    .description('the audit log (rollouts and tokens), newest first: who did what, when and why')
    .option('--rollout <rollout>', 'only this rollout (<namespace>/<name>)')
    .option('--actor <id>', "only this actor: a token's id, admin, or system")
    .option('--action <action>', 'only this action, e.g. Applied, Approve, Reject, Rollback (approve, promote-full work too)')
    .option('--limit <n>', 'at most this many entries (1-10000)', '50');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (flags: AuditFlags) => {
    const query = {
      rollout: flags.rollout !== undefined ? parseRolloutRef(flags.rollout).id : undefined,
      actor: flags.actor,
      action: flags.action !== undefined ? auditAction(flags.action) : undefined,
      limit: limit(flags.limit),
    };
    const result = await connect(flags).get<{ items: AuditEntry[] }>('/api/v1/audit', { query });
    await printResult(flags.output, result, () => auditTable(result.items));
  });
}
