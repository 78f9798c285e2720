// The rollout benchmark's server start: its Node flags (--server-node-flags, then the optional CPU profile's,
// --cpu-prof), and, once it has exited, its profile renamed and summarised over the measured windows.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, summarizeProfile } from '../ecds/profile-summary.js';
import { claimNewestProfile } from '../shared/cpu-profile-file.js';

export const PROFILE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'profiles');

export interface ServerProfile {
  execArgv: string[];
  /** After the server exited: its newest profile, renamed `<name>.cpuprofile`, summarised over `windows` (µs). */
  summarize(name: string, what: string, windows: Array<[number, number]>): string | undefined;
}

export function serverProfile(enabled: boolean, nodeFlags: readonly string[]): ServerProfile {
  const since = Date.now();
  if (enabled) mkdirSync(PROFILE_DIR, { recursive: true });
  return {
    execArgv: [...nodeFlags, ...(enabled ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-interval=500'] : [])],
    summarize(name, what, windows) {
      if (!enabled || !existsSync(PROFILE_DIR)) return undefined;
      const named = claimNewestProfile(PROFILE_DIR, since, name);
      if (!named) return undefined;
      return `${path.relative(process.cwd(), named)} (${what}):\n${formatSummary(summarizeProfile(named, windows))}`;
    },
  };
}
