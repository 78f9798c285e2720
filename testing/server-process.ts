// Starts the built management server (apps/server/dist/main.js) as a child process on free loopback
// ports, for integration tests and benchmarks. `npm test` builds first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_MAIN = path.join(repoRoot, 'apps/server/dist/main.js');

export interface ServerProcess {
  child: ChildProcess;
  http: string;
  grpcPort: number;
  grpcTarget: string;
  token: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Authenticated fetch against the REST API. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerOptions {
  redisUrl?: string;
  token?: string;
  env?: Record<string, string>;
  execArgv?: string[];
}

export async function startServer(opts: ServerOptions = {}): Promise<ServerProcess> {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first`);
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const token = opts.token ?? `test-admin-token-${Math.random().toString(36).slice(2)}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-server-'));
  const env: Record<string, string> = {
    ...process.env as Record<string, string>,
    WASMFLEET_HTTP_PORT: String(httpPort),
    WASMFLEET_GRPC_PORT: String(grpcPort),
    WASMFLEET_ADMIN_TOKEN: token,
    WASMFLEET_DATA_DIR: dataDir,
    WASMFLEET_LOG_LEVEL: 'info',
    ...(opts.redisUrl && { REDIS_URL: opts.redisUrl }),
    ...opts.env,
  };
  if (!opts.redisUrl && !opts.env?.['REDIS_URL']) delete env['REDIS_URL'];
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), SERVER_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const http = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    if (out.includes('ready:')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const api = async (method: string, p: string, body?: unknown, tok: string = token) => {
    const res = await fetch(`${http}${p}`, {
      method,
      headers: { ...(tok && { authorization: `Bearer ${tok}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  };
  return {
    child,
    http,
    grpcPort,
    grpcTarget: `127.0.0.1:${grpcPort}`,
    token,
    output: () => out,
    api,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        const done = (code: number | null) => {
          rmSync(dataDir, { recursive: true, force: true });
          resolve(code);
        };
        // Already gone (a signal leaves exitCode null and sets signalCode): the exit event has fired.
        if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          done(code);
        });
        child.kill(signal);
      }),
  };
}
