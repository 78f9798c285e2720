// Runs the built CLI as a real child process, as a user would: `node apps/cli/dist/main.js …`, with a private
// config directory (never ~/.config or ~/.docker) and a deadline. ensureCliBuilt() builds apps/cli (tsc -b, then its templates) once
// per test run, under a lock, since vitest runs test files in parallel workers.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const CLI_MAIN = path.join(REPO, 'apps/cli/dist/main.js');
export const EXAMPLES_DIST = path.join(REPO, 'examples/filters/dist');

const LOCK = path.join(os.tmpdir(), `wasmfleet-cli-build-${Buffer.from(REPO).toString('base64url').slice(-24)}.lock`);
const LOCK_STALE_MS = 5 * 60_000;

async function withLock<T>(fn: () => T, deadlineMs = 240_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // removed meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK} (another test building the CLI)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function ensureCliBuilt(): Promise<void> {
  await withLock(() => {
    try {
      execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-b', 'apps/cli'], { cwd: REPO, stdio: 'pipe', encoding: 'utf8', timeout: 180_000 });
      // The rest of the package's build script: init's AssemblyScript glue templates.
      execFileSync(process.execPath, [path.join(REPO, 'apps/cli/scripts/copy-as-glue.mjs')], { cwd: REPO, stdio: 'pipe', encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`building apps/cli failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
  });
}

/** examples/filters/dist/*.wasm (incremental: a no-op when up to date). */
export async function ensureExampleFilters(): Promise<void> {
  try {
    execFileSync(process.execPath, [path.join(REPO, 'examples/filters/build.mjs')], { cwd: path.join(REPO, 'examples/filters'), stdio: 'pipe', encoding: 'utf8', timeout: 300_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`examples/filters/build.mjs failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  /** stdout as bytes (with binaryStdout) */
  stdoutBytes: Buffer;
  stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not) */
  json<T = any>(): T;
}

export interface CliEnv {
  /** private config dir for `login` (WASMFLEET_CONFIG_DIR) and Docker's config (DOCKER_CONFIG) */
  configDir: string;
  cleanup(): void;
}

export function cliEnv(): CliEnv {
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-config-'));
  return { configDir, cleanup: () => rmSync(configDir, { recursive: true, force: true }) };
}

export function runCli(
  args: readonly string[],
  opts: { cwd?: string; env?: CliEnv; input?: string; timeoutMs?: number; extraEnv?: Record<string, string>; binaryStdout?: boolean } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.extraEnv };
  for (const k of ['WASMFLEET_REGISTRY_USERNAME', 'WASMFLEET_REGISTRY_PASSWORD', 'WASMFLEET_REGISTRY_HOST', 'REGISTRY_AUTH_FILE', 'XDG_RUNTIME_DIR']) delete env[k];
  if (opts.env) {
    env.WASMFLEET_CONFIG_DIR = opts.env.configDir;
    env.DOCKER_CONFIG = path.join(opts.env.configDir, 'docker');
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: opts.cwd ?? REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      if (!opts.binaryStdout) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wasmfleet ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stdoutBytes: Buffer.concat(out),
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`wasmfleet ${args.join(' ')} did not print JSON (exit ${code}):\nstdout: ${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}
