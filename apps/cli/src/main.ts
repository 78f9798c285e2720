#!/usr/bin/env node
// wasmfleet: the command-line entry point. Runs the command, then turns whatever went wrong into one message on
// stderr and an exit code from exit-codes.ts. Secrets never reach the output: no command prints credentials and
// errors are the libraries' messages, which never contain them.
import { CommanderError } from 'commander';
import { toCliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { createProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  try {
    await (await createProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed the message (or the help) already
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const e = toCliError(err);
    process.stderr.write(`wasmfleet: error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (process.env.WASMFLEET_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return e.exitCode;
  }
}

// process.exit rather than waiting for the event loop: keep-alive sockets or a filter's timers must not hold the
// process. stdout and stderr are synchronous for files and pipes on Linux, so nothing written is lost.
main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wasmfleet: internal error: ${String(err)}\n`);
    process.exit(ExitCode.failure);
  },
);
