// wasmfleet rollout history <ns/name>: every revision applied, newest first, with how it ended and its
// module's sha256: the targets of `rollout rollback --to-revision`.
import type { Command } from 'commander';
import { connect } from '../../api/server-client.js';
import { serverOptions, type ServerFlags } from '../../api/server-options.js';
import { outputOption, printResult, type OutputFormat } from '../../output/format.js';
import { parseRolloutRef } from '../../rollout/rollout-ref.js';
import { historyTable } from '../../rollout/rollout-text.js';
import type { HistoryItem } from '../../rollout/rollout-view.js';

interface HistoryFlags extends ServerFlags {
  output: OutputFormat;
}

export function register(group: Command): void {
  const cmd = group
    .command('history')
    .description("a rollout's revisions, newest first: outcome, module sha256, image (rollback --to-revision targets)")
    .argument('<rollout>', '<namespace>/<name>, e.g. bookinfo/add-header');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (refText: string, flags: HistoryFlags) => {
    const ref = parseRolloutRef(refText);
    const result = await connect(flags).get<{ items: HistoryItem[] }>(`${ref.path}/history`, { hints: { not_found: 'list rollouts with `wasmfleet rollout list`' } });
    await printResult(flags.output, result, () => historyTable(ref.id, result.items));
  });
}
