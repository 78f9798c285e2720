// wasmfleet rollout get <ns/name>: a rollout as the server holds it: phase, step, candidate and stable
// versions, canary share, approval gate, analysis, the actions its phase allows.
import type { Command } from 'commander';
import { connect } from '../../api/server-client.js';
import { serverOptions, type ServerFlags } from '../../api/server-options.js';
import { outputOption, printResult, type OutputFormat } from '../../output/format.js';
import { parseRolloutRef } from '../../rollout/rollout-ref.js';
import { rolloutDetails } from '../../rollout/rollout-text.js';
import type { RolloutView } from '../../rollout/rollout-view.js';

interface GetFlags extends ServerFlags {
  output: OutputFormat;
}

export function register(group: Command): void {
  const cmd = group
    .command('get')
    .description('show a rollout: phase, step, candidate and stable versions, canary, approval, allowed actions')
    .argument('<rollout>', '<namespace>/<name>, e.g. bookinfo/add-header');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (refText: string, flags: GetFlags) => {
    const ref = parseRolloutRef(refText);
    const view = await connect(flags).get<RolloutView>(ref.path, { hints: { not_found: 'list rollouts with `wasmfleet rollout list`' } });
    await printResult(flags.output, view, () => rolloutDetails(view));
  });
}
