// Node writes `--cpu-prof` profiles as CPU.<date>.<pid>...cpuprofile when the process exits; the benchmarks
// give the newest one a name that says what it profiled.
import { readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

/** The newest profile in `dir` written since `since` (epoch ms), renamed `<name>.cpuprofile`; its path. */
export function claimNewestProfile(dir: string, since: number, name: string): string | undefined {
  const fresh = readdirSync(dir)
    .filter((f) => f.startsWith('CPU.') && f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!fresh) return undefined;
  const named = path.join(dir, `${name}.cpuprofile`);
  renameSync(fresh, named);
  return named;
}
