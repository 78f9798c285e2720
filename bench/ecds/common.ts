// Shared by the ECDS benchmark's orchestrator (run.ts), load client and floor server:
// the IPC messages, /proc readers and a percentile helper.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export type Kind = 'sotw' | 'delta';

export const ECDS_SERVICE = 'envoy.service.extension.v3.ExtensionConfigDiscoveryService';
export const TEC_TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';

/** Orchestrator → load client. */
export type ToClient =
  | {
      type: 'open';
      target: string;
      token: string;
      kind: Kind;
      slot: string;
      streams: number;
      perChannel: number;
      batch: number;
      batchTimeoutMs: number;
    }
  | {
      type: 'trigger';
      /** The client sends this HTTP request itself, so every timestamp is on the client's clock. */
      request: { url: string; method: string; headers: Record<string, string>; body?: string };
      timeoutMs: number;
    }
  /** A few GETs before the measurement, so fetch/undici and the target's HTTP path are warm. */
  | { type: 'warmup'; url: string; headers: Record<string, string> };

/** Load client → orchestrator. */
export type FromClient =
  | { type: 'warmed' }
  | { type: 'progress'; opened: number; ready: number; errors: number }
  | { type: 'opened'; opened: number; ready: number; errors: number; firstError?: string; setupMs: number }
  | {
      type: 'result';
      streams: number;
      updated: number;
      /** ms from just before the trigger request was sent until each updated stream got the new version, sorted. */
      latencies: number[];
      triggerStatus: number;
      triggerMs: number;
      errors: number;
      firstError?: string;
      /** Responses with a new version that arrived before the trigger (should be 0). */
      early: number;
    }
  | { type: 'fatal'; message: string };

/** VmRSS of a process in KiB. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Clock ticks per second of /proc/<pid>/stat (sysconf(_SC_CLK_TCK)); 100 on every Linux we run on. */
export const CLK_TCK = 100;

/** utime + stime of a process (all threads) in ms; 10 ms resolution. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** The soft limit on open files of this process. */
export function openFilesLimit(): number {
  const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m && m[1] !== 'unlimited' ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

/** node arguments that run a TypeScript file through tsx (resolved absolutely, so any cwd works). */
export function tsxExecArgv(): string[] {
  const require = createRequire(import.meta.url);
  const pkgDir = require.resolve('tsx/package.json').replace(/package\.json$/, '');
  return ['--import', pathToFileURL(`${pkgDir}dist/loader.mjs`).href];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
