// The Node.js (V8) flags the server is meant to run with. package.json's start scripts pass them, and
// testing/server-process.ts starts the server with them for tests and benchmarks; node-flags.test.ts keeps
// the three in step.
//
// Why a 128 MiB young-generation semi-space (V8's default is 16 MiB on 64-bit): a rollout step pushes to
// thousands of ECDS streams in one burst and reads as many ACKs, and every push allocates its response and
// HTTP/2 frames. With 16 MiB such a burst runs several scavenges, which copy what is still in flight. On a
// host with few cores each parallel scavenge can also wait for helper threads that get no CPU: pauses of
// 0.3–1.4 s were caught there. With 128 MiB a burst mostly fits between two scavenges. bench:rollouts put
// the step-transition p99 under 200 ms in every run (about a third of the runs without), for ~175 MiB more RSS
// at 3,000 streams × 20 slots. Figures in docs/benchmarks.md ("Session 4 runs").
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=128'];

/**
 * The flags of SERVER_NODE_FLAGS that this process was started without: on its command line or in
 * NODE_OPTIONS, with any value (a different value is a choice, not an omission).
 */
export function missingNodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const name = (arg: string) => arg.split('=')[0]!.replaceAll('_', '-'); // V8 takes --max_semi_space_size too
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(name));
  return SERVER_NODE_FLAGS.filter((flag) => !given.has(name(flag)));
}
