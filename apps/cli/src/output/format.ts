// Machine and human output of a command's result: `-o json|yaml` prints the result object as it is (stable field
// names, documented in the README), text prints what a person wants to read. Results go to stdout; everything
// else (progress, notes, warnings) goes to stderr so scripts can parse stdout.
import { Option } from 'commander';

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text');
}

/** JSON has no bigint: counters become numbers while exact, else decimal strings. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? (BigInt(Number(v)) === v ? Number(v) : v.toString()) : v)));
}

export async function renderResult(format: OutputFormat, result: unknown, text: () => string): Promise<string> {
  if (format === 'json') return `${JSON.stringify(jsonSafe(result), null, 2)}\n`;
  if (format === 'yaml') {
    const { stringify } = await import('yaml');
    return stringify(jsonSafe(result));
  }
  const out = text();
  return out.endsWith('\n') || out === '' ? out : `${out}\n`;
}

export async function printResult(format: OutputFormat, result: unknown, text: () => string): Promise<void> {
  process.stdout.write(await renderResult(format, result, text));
}

/** A line for people on stderr (never parsed). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
