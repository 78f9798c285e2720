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

export function parseArgs(argv: string[]): Options {
  const o: Options = { durationS: 10, settleS: 8, warmupS: 2, rounds: 3, connections: 16, threads: 2, unloadedDurationS: 5, cpuProf: false, micro: true, maxMinutes: 8 };
  const given = new Set<string>();
  let quick = false;
  for (const { flag, arg: a, number: read } of cliFlags(argv)) {
    const number = (min: number, integer: boolean) => {
      const n = read(min, integer);
      given.add(flag);
      return n;
    };
    switch (flag) {
      case '--duration':
        o.durationS = number(1, true);
        break;
      case '--settle':
        o.settleS = number(0, true);
        break;
      case '--warmup':
        o.warmupS = number(0, true);
        break;
      case '--rounds':
        o.rounds = number(1, true);
        break;
      case '--connections':
        o.connections = number(1, true);
        break;
      case '--threads':
        o.threads = number(1, true);
        break;
      case '--unloaded-duration':
        o.unloadedDurationS = number(0, true);
        break;
      case '--quick':
        quick = true;
        break;
      case '--cpu-prof':
        o.cpuProf = true;
        break;
      case '--no-micro':
        o.micro = false;
        break;
      case '--max-minutes':
        o.maxMinutes = number(0.1, false);
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
    // About 40 s: one round, short runs; the numbers are a smoke test, not a result.
    if (!given.has('--duration')) o.durationS = 3;
    if (!given.has('--warmup')) o.warmupS = 1;
    if (!given.has('--settle')) o.settleS = 3;
    if (!given.has('--rounds')) o.rounds = 1;
    if (!given.has('--unloaded-duration')) o.unloadedDurationS = 2;
  }
  if (o.threads > o.connections) throw new Error(`--threads ${o.threads} > --connections ${o.connections} (wrk needs a connection per thread)`);
  return o;
}
