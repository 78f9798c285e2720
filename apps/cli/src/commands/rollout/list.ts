// wasmfleet rollout list: every rollout with its revision, phase, step, canary share and latest message.
import type { Command } from 'commander';
import { connect } from '../../api/server-client.js';
import { serverOptions, type ServerFlags } from '../../api/server-options.js';
import { outputOption, printResult, type OutputFormat } from '../../output/format.js';
import { rolloutTable } from '../../rollout/rollout-text.js';
import type { RolloutView } from '../../rollout/rollout-view.js';

interface ListFlags extends ServerFlags {
  output: OutputFormat;
}

export function register(group: Command): void {
  const cmd = group.command('list').alias('ls').description('list rollouts: revision, phase, step, canary share, message');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (flags: ListFlags) => {
    const result = await connect(flags).get<{ items: RolloutView[] }>('/api/v1/rollouts');
    await printResult(flags.output, result, () => rolloutTable(result.items));
  });
}
