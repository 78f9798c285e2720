// Process bookkeeping, logging and small helpers shared by the rollout benchmark's parts. Every child the
// benchmark starts is registered here and killed at exit, on a signal, on failure and by the watchdog.
import { readFileSync } from 'node:fs';
import { killTracked, track } from '../shared/children.js';
import { withTimeout } from '../shared/with-timeout.js';

export { withTimeout };

const cleanups = new Set<() => Promise<void> | void>();

export { track };

/** `fn` run at most once; later calls get the first call's promise (stop functions are called from cleanups too). */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** Something to undo at the end besides killing children (an HTTP server, a redis-server, a timer). */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export const killAll = killTracked;

/** Runs the cleanups (each bounded to 5 s) and kills every child that is left. */
export async function cleanupAll(): Promise<void> {
  const list = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of list) {
    await withTimeout('cleanup', 5_000, Promise.resolve().then(fn)).catch((err: Error) => log(`cleanup: ${err.message}`));
  }
  killAll();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: killing children`);
    killAll();
    void cleanupAll().finally(() => process.exit(130));
    setTimeout(() => process.exit(130), 6_000).unref();
  });
}

const started = performance.now();
export function log(message: string): void {
  process.stderr.write(`[bench:rollouts +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

/**
 * Time the process' main thread (its event loop) ran on a CPU and waited in a run queue for one, in ms
 * (/proc/<pid>/schedstat). Much waiting means the host was short of CPU, not that the process was slow.
 */
export function schedMs(pid: number): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
  } catch {
    return { runMs: NaN, waitMs: NaN };
  }
}

export function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wall-clock epoch milliseconds with sub-millisecond resolution (comparable across processes of one host). */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Polls `probe` every `everyMs` until it returns something other than undefined; throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await sleep(everyMs);
  }
}

/** Nearest-rank percentile of an ascending array; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export const fmt = (v: number | undefined, digits = 1) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

export interface Dist {
  n: number;
  p50?: number;
  p99?: number;
  max?: number;
}

export function dist(values: readonly number[]): Dist {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
}

/** JSON over HTTP with a bearer token; any status is returned, network errors and timeouts throw. */
export async function api(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}
