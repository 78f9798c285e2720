// The shape every rollout action command shares (approve, reject, pause, resume, promote, abort, retry,
// rollback): POST /api/v1/rollouts/<ns>/<name>/<action> with an optional comment, then the rollout as it is now.
import type { Command } from 'commander';
import { connect } from '../api/server-client.js';
import { serverOptions, type ServerFlags } from '../api/server-options.js';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { parseRolloutRef, type RolloutRef } from './rollout-ref.js';
import { rolloutSummary } from './rollout-text.js';
import type { RolloutView } from './rollout-view.js';

export interface ActionFlags extends ServerFlags {
  comment?: string;
  output: OutputFormat;
}

export interface ActionSpec<F extends ActionFlags> {
  name: string;
  description: string;
  /** the route's last segment, from the flags (promote → promote-full with --full) */
  path(flags: F): string;
  /** what happened, for the text output: `approved bookinfo/add-header` */
  done(flags: F, id: string): string;
  /** more options than --comment and the server's */
  options?(cmd: Command): Command;
  /** more of the request body than the comment */
  body?(flags: F): Record<string, unknown>;
  /** hints by the server's error code, e.g. what a refusal means for this action */
  hints?(ref: RolloutRef): Record<string, string>;
}

export function registerAction<F extends ActionFlags>(group: Command, spec: ActionSpec<F>): void {
  let cmd = group
    .command(spec.name)
    .description(spec.description)
    .argument('<rollout>', '<namespace>/<name>, e.g. bookinfo/add-header')
    .option('-m, --comment <text>', 'why (kept in the audit log; some approval gates require one)');
  if (spec.options) cmd = spec.options(cmd);
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (refText: string, flags: F) => {
    const ref = parseRolloutRef(refText);
    const body = { ...(flags.comment !== undefined && { comment: flags.comment }), ...spec.body?.(flags) };
    const client = connect(flags);
    const view = await client.post<RolloutView>(`${ref.path}/${spec.path(flags)}`, {
      body,
      subject: `${spec.name} ${ref.id}`,
      hints: {
        not_found: 'list rollouts with `wasmfleet rollout list`',
        invalid_transition: `see what it allows now: wasmfleet rollout status ${ref.id}`,
        ...spec.hints?.(ref),
      },
    });
    await printResult(flags.output, view, () => `${spec.done(flags, ref.id)}\n${rolloutSummary(view)}`);
  });
}
