// bench:ecds's two targets, behind one interface: the built management server (real Redis, a slot updated
// over REST) and the floor (a bare grpc-js server triggered over HTTP). Each is a tracked child process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../testing/server-process.js';
import { slotSpec } from '../../testing/slot-fixtures.js';
import { track } from '../shared/children.js';
import { claimNewestProfile } from '../shared/cpu-profile-file.js';
import { withTimeout } from '../shared/with-timeout.js';
import { tsxExecArgv, type Kind, type ToClient } from './common.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FLOOR = path.join(here, 'floor-server.ts');
const PROFILE_DIR = path.join(here, 'profiles');

export interface Target {
  pid: number;
  grpcTarget: string;
  token: string;
  /** The request that makes the update of `round` (0 = warm-up, 1, 2, …): a new version each time. */
  trigger(round: number): Extract<ToClient, { type: 'trigger' }>['request'];
  warmupUrl: string;
  /** Headers for the warm-up GETs. */
  headers: Record<string, string>;
  stop(): Promise<void>;
  /** After stop(), with --cpu-prof: the server's profile file. */
  profile?: () => string | undefined;
}

export interface TargetOptions {
  kind: Kind;
  streams: number;
  slot: string;
  /** Node flags of the target process (--server-node-flags: the server and the floor alike). */
  nodeFlags: readonly string[];
  log: (message: string) => void;
}

/** The built management server on `redisUrl`, with one slot; `cpuProf` profiles it (see Target.profile). */
export async function startManagementServer(redisUrl: string, cpuProf: boolean, { kind, streams: n, slot, nodeFlags, log }: TargetOptions): Promise<Target> {
  const execArgv = [...nodeFlags, ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-interval=250'] : [])];
  if (cpuProf) mkdirSync(PROFILE_DIR, { recursive: true });
  const profStart = Date.now();
  const server = await startServer({ redisUrl, execArgv });
  track(server.child);
  const created = await withTimeout('create slot', 10_000, server.api('POST', '/api/v1/slots', { name: slot, spec: slotSpec() }));
  if (created.status !== 201 && created.status !== 200) throw new Error(`POST /api/v1/slots: ${created.status} ${JSON.stringify(created.body)}`);
  return {
    pid: server.child.pid!,
    grpcTarget: server.grpcTarget,
    token: server.token,
    trigger: (round) => ({
      url: `${server.http}/api/v1/slots/${slot}`,
      method: 'PUT',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spec: slotSpec({ config: { header: 'x-powered-by', value: `wasmfleet-${round + 2}` } }) }),
    }),
    warmupUrl: `${server.http}/api/v1/slots/${slot}`,
    headers: { authorization: `Bearer ${server.token}` },
    stop: async () => {
      // testing's stop() waits for an 'exit' that already happened when the server died of a signal.
      if (server.child.exitCode !== null || server.child.signalCode !== null) return;
      await withTimeout('server stop', 10_000, server.stop('SIGTERM')).catch((err: Error) => {
        log(err.message);
        server.child.kill('SIGKILL');
      });
    },
    profile: () => {
      if (!cpuProf || !existsSync(PROFILE_DIR)) return undefined;
      return claimNewestProfile(PROFILE_DIR, profStart, `server-${kind}-${n}`);
    },
  };
}

/** bench/ecds/floor-server.ts: a bare grpc-js server that writes one pre-encoded response per stream. */
export async function startFloor({ slot, nodeFlags }: TargetOptions): Promise<Target> {
  const child = track(
    spawn(process.execPath, [...nodeFlags, ...tsxExecArgv(), FLOOR], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FLOOR_SLOT: slot } }),
  );
  const ports = await withTimeout(
    'floor server start',
    20_000,
    new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    }),
  );
  return {
    pid: child.pid!,
    grpcTarget: `127.0.0.1:${ports.grpcPort}`,
    token: 'floor-does-not-check',
    trigger: () => ({ url: `http://127.0.0.1:${ports.httpPort}/trigger`, method: 'POST', headers: {} }),
    warmupUrl: `http://127.0.0.1:${ports.httpPort}/warmup`,
    headers: {},
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
