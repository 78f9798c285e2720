// Where registry credentials come from: the options when given, else the environment, then Docker's / Podman's
// config files (`auths` entries with base64 `auth` or username/password), which `docker login` and `skopeo login`
// write.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Credential {
  username: string;
  password: string;
}

/** A map host[:port] → credential, or a function asked per registry. */
export type CredentialSource =
  | Readonly<Record<string, Credential>>
  | ((registry: string) => Credential | undefined | Promise<Credential | undefined>);

export interface DefaultCredentialOptions {
  /** default process.env */
  env?: NodeJS.ProcessEnv;
  /** config files to read, first match wins; default: see defaultConfigPaths */
  configPaths?: readonly string[];
}

/**
 * The default chain: WASMFLEET_REGISTRY_USERNAME / WASMFLEET_REGISTRY_PASSWORD (for every registry, or only for
 * WASMFLEET_REGISTRY_HOST when set), then the `auths` of Docker/Podman config files.
 */
export function defaultCredentials(opts: DefaultCredentialOptions = {}): (registry: string) => Credential | undefined {
  const env = opts.env ?? process.env;
  const paths = opts.configPaths ?? defaultConfigPaths(env);
  return (registry) => {
    const user = env.WASMFLEET_REGISTRY_USERNAME;
    const password = env.WASMFLEET_REGISTRY_PASSWORD;
    const onlyFor = env.WASMFLEET_REGISTRY_HOST;
    if (user && password !== undefined && (!onlyFor || sameRegistry(onlyFor, registry))) return { username: user, password };
    for (const p of paths) {
      const found = fromConfigFile(p, registry);
      if (found) return found;
    }
    return undefined;
  };
}

/** $DOCKER_CONFIG/config.json or ~/.docker/config.json, then $REGISTRY_AUTH_FILE and Podman's auth.json. */
export function defaultConfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths = [path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json')];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  return paths;
}

/** Looks a registry up in a config file's `auths`; a missing or unreadable file is simply no credential. */
export function fromConfigFile(file: string, registry: string): Credential | undefined {
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!sameRegistry(key, registry) || !entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** Asks the given source only (compose with defaultCredentials() to fall back), else the default chain. */
export async function lookupCredential(source: CredentialSource | undefined, registry: string): Promise<Credential | undefined> {
  if (!source) return defaultCredentials()(registry);
  return typeof source === 'function' ? await source(registry) : Object.entries(source).find(([k]) => sameRegistry(k, registry))?.[1];
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** Keys are written as `host`, `https://host`, `https://host/v1/`…; Docker Hub has several names. */
export function sameRegistry(key: string, registry: string): boolean {
  const k = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  const r = registry.toLowerCase();
  return k === r || (DOCKER_HUB.has(k) && DOCKER_HUB.has(r));
}
