// Where the management server is and which token to show it: `--server` (or WASMFLEET_SERVER, default
// http://127.0.0.1:8080) and `--token`, `--token-file` or WASMFLEET_TOKEN, in that order. The token is only
// ever put in the authorization header: never printed, never part of an error message.
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { CliError, notFoundError, usageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface ServerFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
}

export interface ServerTarget {
  /** base URL without a trailing slash, e.g. http://127.0.0.1:8080 */
  url: string;
  token: string;
}

export const TOKEN_HINT =
  'pass --token-file <file> (the server writes its generated admin token to .wasmfleet/admin-token), set WASMFLEET_TOKEN, or --token <token>';

/** The options every command that talks to the management server takes. */
export function serverOptions(): Option[] {
  return [
    new Option('--server <url>', `management server (env WASMFLEET_SERVER, default ${DEFAULT_SERVER})`),
    new Option('--token <token>', 'API token (env WASMFLEET_TOKEN; prefer it or --token-file: arguments show in ps)'),
    new Option('--token-file <file>', 'read the API token from a file, e.g. .wasmfleet/admin-token'),
  ];
}

export function serverUrl(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (flags.server ?? env.WASMFLEET_SERVER ?? '').trim() || DEFAULT_SERVER;
  const source = flags.server !== undefined ? '--server' : env.WASMFLEET_SERVER ? 'WASMFLEET_SERVER' : 'the default server';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${source} "${raw}" is not a URL`, 'write it as http://host:port, e.g. --server http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${source} "${raw}" must be an http:// or https:// URL`, 'e.g. --server http://127.0.0.1:8080');
  }
  if (url.username || url.password) {
    throw usageError(`${source} must not hold credentials`, TOKEN_HINT);
  }
  if (url.search || url.hash) throw usageError(`${source} "${raw}" must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Visible ASCII only: anything else could not go in a header (and fetch would quote the header in its error). */
function checked(token: string, source: string): string {
  if (!token) throw new CliError(`${source} is empty`, ExitCode.auth, TOKEN_HINT);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError(`${source} holds spaces or characters a token cannot have`, ExitCode.auth, TOKEN_HINT);
  return token;
}

export function serverToken(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.token !== undefined) {
    return checked(flags.token.trim(), '--token');
  }
  if (flags.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.tokenFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw notFoundError(`token file ${flags.tokenFile} does not exist`, 'the server writes its generated admin token to <data dir>/admin-token (.wasmfleet/admin-token by default)');
      if (code === 'EISDIR') throw usageError(`--token-file ${flags.tokenFile} is a directory`, 'give the token file itself, e.g. .wasmfleet/admin-token');
      throw new CliError(`cannot read token file ${flags.tokenFile}: ${code ?? (err as Error).message}`, ExitCode.failure);
    }
    return checked(text.trim(), `token file ${flags.tokenFile}`);
  }
  const token = env.WASMFLEET_TOKEN?.trim();
  if (token) return checked(token, 'WASMFLEET_TOKEN');
  throw new CliError('no API token for the management server', ExitCode.auth, TOKEN_HINT);
}

export function serverTarget(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerTarget {
  return { url: serverUrl(flags, env), token: serverToken(flags, env) };
}
