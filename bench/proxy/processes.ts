// bench:proxy's processes: the upstream, one wasmfleet-proxy per filter configuration (its slot spec in a
// temporary directory), wrk, and the child-process helpers they share. Every child is tracked, so that
// run.ts can kill everything at the end whatever happens.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_FILTERS, PROXY_MAIN } from '../../testing/proxy-process.js';
import { sleep, tsxExecArgv } from '../ecds/common.js';
import { alive, track } from '../shared/children.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const UPSTREAM = path.join(here, 'upstream.ts');
const WRK_SCRIPT = path.join(here, 'report.lua');
/** Where proxies started with cpuProf write their profiles. */
export const PROFILE_DIR = path.join(here, 'profiles');

/** The proxies' slot specs (--default-config files); made on the first proxy start. */
let specDir: string | undefined;

/** Removes the proxies' slot spec files. */
export function removeSpecFiles(): void {
  if (specDir) rmSync(specDir, { recursive: true, force: true });
  specDir = undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone (bounded by graceMs + 2 s). */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!alive(child)) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const giveUp = setTimeout(resolve, graceMs + 2_000);
    child.once('exit', () => {
      clearTimeout(kill);
      clearTimeout(giveUp);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Collects a child's output, keeping only the last 64 KiB. */
export function capture(child: ChildProcess): () => string {
  let out = '';
  const add = (d: Buffer) => {
    out += d.toString();
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
}

/** Polls `ready` on the child's output until it returns a value; fails when the child exits or after timeoutMs. */
export async function waitForOutput<T>(what: string, child: ChildProcess, output: () => string, ready: (out: string) => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = ready(output());
    if (value !== undefined) return value;
    if (!alive(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    if (performance.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms:\n${output()}`);
    await sleep(25);
  }
}

// ---- processes ------------------------------------------------------------------------------------------
export interface Upstream {
  child: ChildProcess;
  url: string;
}

export async function startUpstream(): Promise<Upstream> {
  const child = track(spawn(process.execPath, [...tsxExecArgv(), UPSTREAM], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const output = capture(child);
  const port = await waitForOutput('upstream', child, output, (out) => {
    const line = out.split('\n').find((l) => l.startsWith('{"port"'));
    return line ? (JSON.parse(line) as { port: number }).port : undefined;
  }, 20_000);
  return { child, url: `http://127.0.0.1:${port}` };
}

export type ConfigName = 'direct' | 'none' | 'add-header' | 'rate-limit';

export interface Target {
  name: ConfigName;
  label: string;
  url: string;
  /** The proxy process; undefined for the direct (no proxy) baseline. */
  proxy?: { child: ChildProcess; admin: string; output: () => string };
}

export const LABELS: Record<ConfigName, string> = {
  direct: 'upstream direct (no proxy)',
  none: 'proxy, no filter',
  'add-header': 'proxy + add-header',
  'rate-limit': 'proxy + rate-limit (1e9 rps)',
};

/** The slot spec (as in POST /api/v1/slots) of each filter configuration. */
function slotSpecOf(name: 'add-header' | 'rate-limit'): object {
  if (name === 'add-header') {
    return {
      module: { path: path.join(EXAMPLE_FILTERS, 'add-header.wasm') },
      rootId: 'add_header',
      config: { header: 'x-powered-by', value: 'wasmfleet' },
      failurePolicy: 'FAIL_OPEN',
    };
  }
  return {
    module: { path: path.join(EXAMPLE_FILTERS, 'rate-limit.wasm') },
    rootId: 'rate_limit',
    // The filter's maxima: one token per ns, a million in the bucket — nothing is ever limited.
    config: { requestsPerSecond: 1_000_000_000, burst: 1_000_000 },
    failurePolicy: 'FAIL_OPEN',
  };
}

export async function startProxy(name: 'none' | 'add-header' | 'rate-limit', upstream: string, cpuProf: boolean): Promise<Target> {
  const args = ['--upstream', upstream, '--listen', '0', '--admin-port', '0', '--node-id', `bench-${name}`];
  if (name !== 'none') {
    specDir ??= mkdtempSync(path.join(tmpdir(), 'wasmfleet-bench-proxy-'));
    const file = path.join(specDir, `${name}.json`);
    writeFileSync(file, JSON.stringify(slotSpecOf(name)));
    args.push('--slot', name, '--default-config', `${name}=${file}`);
  }
  const execArgv = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = track(spawn(process.execPath, [...execArgv, PROXY_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = capture(child);
  const ready = await waitForOutput(`proxy (${name})`, child, output, (out) => {
    const m = /^ready: node=\S+ listen=(\S+) admin=(\S+)$/m.exec(out);
    return m ? { listen: m[1]!, admin: m[2]! } : undefined;
  }, 20_000);
  return { name, label: LABELS[name], url: ready.listen, proxy: { child, admin: ready.admin, output } };
}

async function fetchWithTimeout(url: string, timeoutMs = 5_000): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
}

/** One request through each target before measuring: 200, and the add-header header only where it belongs. */
export async function verify(t: Target): Promise<void> {
  const res = await fetchWithTimeout(`${t.url}/bench`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${t.label}: GET /bench answered ${res.status}`);
  const header = res.headers.get('x-powered-by');
  if (t.name === 'add-header' && header !== 'wasmfleet') throw new Error(`${t.label}: response lacks x-powered-by: wasmfleet (got ${header}); is the filter running?`);
  if (t.name !== 'add-header' && header !== null) throw new Error(`${t.label}: unexpected x-powered-by: ${header}`);
}

/** The proxy's slot counters from /stats (filter requests, Wasm failures, local replies). */
export async function slotCounters(t: Target): Promise<{ requests: number; failures: number; localReplies: number }> {
  const res = await fetchWithTimeout(`${t.proxy!.admin}/stats`);
  const text = await res.text();
  const sum = (stat: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`wasmfleet.slot.${stat}.`) || l.startsWith(`wasmfleet.slot.${stat}:`))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(':') + 1)), 0);
  return { requests: sum('requests'), failures: sum('wasm_failures'), localReplies: sum('local_replies') };
}

// ---- wrk ------------------------------------------------------------------------------------------------
export interface WrkResult {
  requests: number;
  durationUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { min: number; mean: number; stdev: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

export function checkWrk(): string {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8', timeout: 5_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('wrk is not installed: apt-get install wrk (or: bash scripts/setup.sh bench)');
  }
  return (r.stdout || r.stderr || '').split('\n')[0]!.trim();
}

export async function runWrk(url: string, connections: number, threads: number, seconds: number): Promise<WrkResult> {
  const args = ['-c', String(connections), '-t', String(threads), '-d', `${seconds}s`, '--timeout', '5s', '--latency', '-s', WRK_SCRIPT, `${url}/bench`];
  const child = track(spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = capture(child);
  const limitMs = seconds * 1000 + 15_000;
  const exit = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`killed after ${limitMs} ms`);
    }, limitMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  // The 'exit' event may come before the last of the piped output.
  await sleep(20);
  const line = output()
    .split('\n')
    .find((l) => l.startsWith('WASMFLEET_RESULT '));
  if (exit !== 0 || !line) throw new Error(`wrk ${args.join(' ')}: exit ${exit}\n${output()}`);
  return JSON.parse(line.slice('WASMFLEET_RESULT '.length)) as WrkResult;
}
