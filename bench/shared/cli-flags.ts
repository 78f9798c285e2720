// Command-line flags of the benchmarks: `--flag value` or `--flag=value`, each value checked as it is read.
// Each benchmark keeps its own switch over the flags; this is only the reading.

export interface CliFlag {
  /** The flag, without an inline `=value`. */
  flag: string;
  /** The whole argument, for error messages. */
  arg: string;
  /** The flag's value: inline, or the next argument (consumed). */
  value(): string;
  /** The value as an integer > 0. */
  positive(): number;
  /** The value as a number ≥ min (an integer when asked). */
  number(min: number, integer: boolean): number;
}

/** `text` as an integer > 0, or an error naming the flag. */
export function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag}: not a positive integer: ${text}`);
  return n;
}

/** `--a=1 --b` as Node flags for a child process (each must start with `--`), or an error naming the flag. */
export function nodeFlags(flag: string, text: string): string[] {
  const flags = text.split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !f.startsWith('--'));
  if (bad !== undefined) throw new Error(`${flag}: not a Node flag: ${bad} (give them as "--name=value --other")`);
  return flags;
}

export function* cliFlags(argv: readonly string[]): Generator<CliFlag> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const number = (min: number, integer: boolean) => {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${flag}: not ${integer ? 'an integer' : 'a number'} ≥ ${min}: ${v}`);
      return n;
    };
    yield { flag, arg, value, positive: () => positiveInteger(flag, value()), number };
  }
}
