// The rollout benchmark's optional CPU profile of the server (--cpu-prof): the node flags to start it with,
// and, once it has exited, its profile renamed and summarised over the measured windows.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, summarizeProfile } from '../ecds/profile-summary.js';

export const PROFILE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'profiles');

export interface ServerProfile {
  execArgv: string[];
  /** After the server exited: its newest profile, renamed `<name>.cpuprofile`, summarised over `windows` (µs). */
  summarize(name: string, what: string, windows: Array<[number, number]>): string | undefined;
}

export function serverProfile(enabled: boolean): ServerProfile {
  const since = Date.now();
  if (enabled) mkdirSync(PROFILE_DIR, { recursive: true });
  return {
    execArgv: enabled ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-interval=500'] : [],
    summarize(name, what, windows) {
      if (!enabled || !existsSync(PROFILE_DIR)) return undefined;
      const fresh = readdirSync(PROFILE_DIR)
        .filter((f) => f.startsWith('CPU.') && f.endsWith('.cpuprofile'))
        .map((f) => path.join(PROFILE_DIR, f))
        .filter((f) => statSync(f).mtimeMs >= since)
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
      if (!fresh) return undefined;
      const named = path.join(PROFILE_DIR, `${name}.cpuprofile`);
      renameSync(fresh, named);
      return `${path.relative(process.cwd(), named)} (${what}):\n${formatSummary(summarizeProfile(named, windows))}`;
    },
  };
}
