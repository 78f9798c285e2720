// wasmfleet rollout status <ns/name> [--watch [--timeout 10m]]: where a rollout is and what can be done next.
// --watch follows the server's event stream and prints one line per change until the rollout ends: exit 0 when
// it Succeeded, 1 when it Failed, RolledBack or was Aborted (or --timeout passed). `-o json` prints one JSON
// object per line (the rollout at each change), `-o yaml` one document per change.
import type { Command } from 'commander';
import { connect } from '../../api/server-client.js';
import { serverOptions, type ServerFlags } from '../../api/server-options.js';
import { CliError, usageError } from '../../cli-error.js';
import { ExitCode } from '../../exit-codes.js';
import { jsonSafe, note, outputOption, printResult, type OutputFormat } from '../../output/format.js';
import { parseRolloutRef } from '../../rollout/rollout-ref.js';
import { rolloutLine, rolloutSummary } from '../../rollout/rollout-text.js';
import type { RolloutView } from '../../rollout/rollout-view.js';
import { watchRollout } from '../../rollout/watch.js';

interface StatusFlags extends ServerFlags {
  watch?: boolean;
  timeout?: string;
  output: OutputFormat;
}

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** `90`, `90s`, `5m`, `1h` → milliseconds */
export function parseTimeout(text: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2] ?? '']! * 1000 : NaN;
  if (!m || ms <= 0 || !Number.isSafeInteger(ms)) throw usageError(`--timeout must be a duration like 90s, 10m or 1h, found "${text}"`);
  return ms;
}

export function register(group: Command): void {
  const cmd = group
    .command('status')
    .description('where a rollout is and what can be done next; --watch follows it until it ends (exit 0: Succeeded)')
    .argument('<rollout>', '<namespace>/<name>, e.g. bookinfo/add-header')
    .option('-w, --watch', 'print one line per change until the rollout ends; exit 0 if it Succeeded, 1 otherwise')
    .option('--timeout <duration>', 'with --watch: give up (exit 1) after this long, e.g. 10m');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (refText: string, flags: StatusFlags) => {
    const ref = parseRolloutRef(refText);
    if (flags.timeout !== undefined && !flags.watch) throw usageError('--timeout only goes with --watch');
    const timeoutMs = flags.timeout !== undefined ? parseTimeout(flags.timeout) : undefined;
    const client = connect(flags);
    if (!flags.watch) {
      const view = await client.get<RolloutView>(ref.path, { hints: { not_found: 'list rollouts with `wasmfleet rollout list`' } });
      await printResult(flags.output, view, () => rolloutSummary(view));
      return;
    }
    let yaml: typeof import('yaml') | undefined;
    if (flags.output === 'yaml') yaml = await import('yaml');
    const end = await watchRollout(client, ref, {
      ...(timeoutMs !== undefined && { timeoutMs }),
      onReconnect: note,
      onChange: (view) => {
        if (flags.output === 'json') process.stdout.write(`${JSON.stringify(jsonSafe(view))}\n`);
        else if (yaml) process.stdout.write(`---\n${yaml.stringify(jsonSafe(view))}`);
        else process.stdout.write(`${rolloutLine(view)}\n`);
      },
    });
    if (end.phase !== 'Succeeded') {
      throw new CliError(`${ref.id} revision ${end.revision} ended ${end.phase}: ${end.message}`, ExitCode.failure, `what happened: wasmfleet audit --rollout ${ref.id}`);
    }
  });
}
