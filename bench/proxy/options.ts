// bench/proxy/run.ts's options: defaults, --quick, and the checks between them.
import { cliFlags } from '../shared/cli-flags.js';

export interface Options {
  durationS: number;
  /** Once per proxy before round 1: a fresh process needs several seconds of traffic before JIT and Wasm tiers settle. */
  settleS: number;
  warmupS: number;
  rounds: number;
  connections: number;
  threads: number;
  unloadedDurationS: number;
  cpuProf: boolean;
  micro: boolean;
  maxMinutes: number;
}

const USAGE =
  'usage: tsx bench/proxy/run.ts [--duration 10] [--settle 8] [--warmup 2] [--rounds 3] [--connections 16] [--threads 2] ' +
  '[--unloaded-duration 5 (0 = skip the 1-connection pass)] [--quick] [--cpu-prof] [--no-micro] [--max-minutes 8]';

type NumericOption = 'durationS' | 'settleS' | 'warmupS' | 'rounds' | 'connections' | 'threads' | 'unloadedDurationS' | 'maxMinutes';

/** Numeric flags: the option each sets, its minimum, whether it is an integer, and its --quick value. */
const NUMERIC: Record<string, { key: NumericOption; min: number; integer: boolean; quick?: number }> = {
  '--duration': { key: 'durationS', min: 1, integer: true, quick: 3 },
  '--settle': { key: 'settleS', min: 0, integer: true, quick: 3 },
  '--warmup': { key: 'warmupS', min: 0, integer: true, quick: 1 },
  '--rounds': { key: 'rounds', min: 1, integer: true, quick: 1 },
  '--connections': { key: 'connections', min: 1, integer: true },
  '--threads': { key: 'threads', min: 1, integer: true },
  '--unloaded-duration': { key: 'unloadedDurationS', min: 0, integer: true, quick: 2 },
  '--max-minutes': { key: 'maxMinutes', min: 0.1, integer: false },
};

export function parseArgs(argv: string[]): Options {
  const o: Options = { durationS: 10, settleS: 8, warmupS: 2, rounds: 3, connections: 16, threads: 2, unloadedDurationS: 5, cpuProf: false, micro: true, maxMinutes: 8 };
  const given = new Set<string>();
  let quick = false;
  for (const { flag, arg: a, number } of cliFlags(argv)) {
    const numeric = NUMERIC[flag];
    if (numeric) {
      o[numeric.key] = number(numeric.min, numeric.integer);
      given.add(flag);
      continue;
    }
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--cpu-prof':
        o.cpuProf = true;
        break;
      case '--no-micro':
        o.micro = false;
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (quick) {
    // About 40 s: one round, short runs; the numbers are a smoke test, not a result. Explicit flags win.
    for (const [flag, { key, quick: value }] of Object.entries(NUMERIC)) if (value !== undefined && !given.has(flag)) o[key] = value;
  }
  if (o.threads > o.connections) throw new Error(`--threads ${o.threads} > --connections ${o.connections} (wrk needs a connection per thread)`);
  return o;
}
