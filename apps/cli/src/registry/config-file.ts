// wasmfleet's own credential store: a Docker-compatible config.json (`{"auths": {"host:port": {"auth": base64}}}`)
// in $WASMFLEET_CONFIG_DIR, else $XDG_CONFIG_HOME/wasmfleet, else ~/.config/wasmfleet. Written with mode 0600
// (directory 0700) by replacing the file, so a crash never leaves half a file and other entries are kept.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Credential } from '@wasmfleet/oci';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  [more: string]: unknown;
}

interface ConfigDocument {
  auths?: Record<string, AuthEntry>;
  [more: string]: unknown;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WASMFLEET_CONFIG_DIR) return path.resolve(env.WASMFLEET_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(os.homedir(), '.config');
  return path.join(base, 'wasmfleet');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'config.json');
}

function readDocument(file: string): ConfigDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as ConfigDocument;
  } catch {
    // reported below
  }
  throw new CliError(`${file} is not a JSON object`, ExitCode.failure, `fix or delete ${file}, then run \`wasmfleet login\` again`);
}

function writeDocument(file: string, doc: ConfigDocument): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600); // the umask may have narrowed it, never widened; make it exact
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Stores (or replaces) the credential of one registry, keeping every other entry of the file. */
export function saveCredential(registry: string, credential: Credential, file = configPath()): void {
  const doc = readDocument(file);
  const auths = { ...(doc.auths ?? {}) };
  auths[registry] = { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') };
  writeDocument(file, { ...doc, auths });
}

/** Removes a registry's entry; false when there was none. */
export function removeCredential(registry: string, file = configPath()): boolean {
  const doc = readDocument(file);
  if (!doc.auths || !(registry in doc.auths)) return false;
  const auths = { ...doc.auths };
  delete auths[registry];
  writeDocument(file, { ...doc, auths });
  return true;
}
