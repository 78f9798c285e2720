// wasmfleet approvals: the rollouts waiting at an approval gate, with the roles that may approve each, who
// applied it (who may not: four-eyes) and when the gate times out.
import type { Command } from 'commander';
import { connect } from '../api/server-client.js';
import { serverOptions, type ServerFlags } from '../api/server-options.js';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { approvalsTable } from '../rollout/rollout-text.js';
import type { ApprovalRequest, RolloutView } from '../rollout/rollout-view.js';

interface ApprovalsFlags extends ServerFlags {
  output: OutputFormat;
}

export function register(program: Command): void {
  const cmd = program.command('approvals').description('rollouts waiting for approval: roles that may approve, author, timeout');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (flags: ApprovalsFlags) => {
    const result = await connect(flags).get<{ items: Array<RolloutView & { approval: ApprovalRequest }> }>('/api/v1/approvals');
    await printResult(flags.output, result, () => approvalsTable(result.items));
  });
}
