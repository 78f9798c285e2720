// A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on a free loopback port, its
// storage and config in a temp dir. Variants: htpasswd basic auth, or token (bearer) auth with a tiny token
// server run here. Also a recording proxy to count what a client asks a registry for.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export interface RegistryUser {
  user: string;
  password: string;
}

export interface StartRegistryOptions {
  /** htpasswd basic auth with this one user. */
  auth?: RegistryUser;
  /** token auth: the registry answers `Bearer realm=…`; a token server here grants every scope to this user. */
  tokenAuth?: RegistryUser;
}

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  /** the user of the Basic credentials sent to the token server, or null for an anonymous request */
  user: string | null;
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string;
  /** http://host:port */
  url: string;
  /** distribution's filesystem root: blobs under docker/registry/v2/blobs/sha256/<ab>/<hex>/data */
  storageDir: string;
  /** token requests the token server answered (tokenAuth only) */
  tokenRequests: TokenRequest[];
  /** path of the blob's data file in storage, to tamper with it */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-registry-'));
  const storageDir = path.join(dir, 'data');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const tokenRequests: TokenRequest[] = [];
  let tokenServer: http.Server | undefined;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${crypto.randomBytes(16).toString('hex')}`,
  ];
  if (opts.auth) {
    writeFileSync(path.join(dir, 'htpasswd'), htpasswdLine(opts.auth.user, opts.auth.password) + '\n');
    lines.push('auth:', '  htpasswd:', '    realm: wasmfleet-test', `    path: ${path.join(dir, 'htpasswd')}`);
  } else if (opts.tokenAuth) {
    const started = await startTokenServer(dir, opts.tokenAuth, tokenRequests);
    tokenServer = started.server;
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${started.realm}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${started.certPath}`,
    );
  }
  const configPath = path.join(dir, 'config.yml');
  writeFileSync(configPath, lines.join('\n') + '\n');
  const child = spawn(REGISTRY_BIN, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://${host}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      // Any answer (200, or 401 with auth) means it is serving.
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`docker-registry did not start on ${host}: ${stderr.trim() || 'no output'}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    host,
    url,
    storageDir,
    tokenRequests,
    blobPath: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
      if (tokenServer) await closeServer(tokenServer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One bcrypt htpasswd line (distribution only accepts bcrypt): apache2-utils' htpasswd, else python3's crypt. */
export function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync('htpasswd', ['-nbB', user, password], { encoding: 'utf8' }).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    const script = 'import crypt,sys;print(crypt.crypt(sys.argv[1],crypt.mksalt(crypt.METHOD_BLOWFISH)))';
    const hash = execFileSync('python3', ['-W', 'ignore', '-c', script, password], { encoding: 'utf8' }).trim();
    if (hash.startsWith('$2')) return `${user}:${hash}`;
  } catch {
    // fall through to the hint
  }
  throw new Error('no bcrypt tool for the htpasswd file: install Debian package apache2-utils (htpasswd)');
}

const TOKEN_SERVICE = 'wasmfleet-test-registry';
const TOKEN_ISSUER = 'wasmfleet-test-token-issuer';

/** A token server in the shape of distribution's token auth spec: RS256 JWTs with the signing cert in x5c. */
async function startTokenServer(dir: string, user: RegistryUser, log: TokenRequest[]) {
  const keyPath = path.join(dir, 'token.key');
  const certPath = path.join(dir, 'token.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=wasmfleet-test-token'],
    { stdio: 'ignore' },
  );
  const privateKey = crypto.createPrivateKey(readFileSync(keyPath));
  const certDer = new crypto.X509Certificate(readFileSync(certPath)).raw;
  const b64url = (b: Buffer) => b.toString('base64url');
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://token');
    const scopes = u.searchParams.getAll('scope');
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    let who: string | null = null;
    if (basic) {
      const [name, ...rest] = Buffer.from(basic[1]!, 'base64').toString().split(':');
      if (name !== user.user || rest.join(':') !== user.password) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      who = name;
    }
    log.push({ service: u.searchParams.get('service'), scopes, user: who });
    // Anonymous callers get a token with no access, as a real token server would for a private repo.
    const access = who
      ? scopes.map((s) => {
          const [type, ...more] = s.split(':');
          const actions = more.pop() ?? '';
          return { type, name: more.join(':'), actions: actions.split(',') };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const claims = { iss: TOKEN_ISSUER, sub: who ?? '', aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
    const signingInput = `${b64url(Buffer.from(JSON.stringify(header)))}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
    const signature = crypto.sign('sha256', Buffer.from(signingInput), privateKey);
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  return { server, certPath, realm: `http://127.0.0.1:${port}/token` };
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface RecordingProxy {
  host: string;
  url: string;
  requests: RecordedRequest[];
  /** how many recorded requests match the method and a path pattern */
  count(method: string, pathPattern: RegExp): number;
  stop(): Promise<void>;
}

/** A plain HTTP proxy in front of `targetUrl` that records every request (method, path, status). */
export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', status: up.statusCode ?? 0 });
        const headers = { ...up.headers };
        // Locations the registry builds from the Host header point at the proxy already; absolute ones to the
        // registry itself are rewritten so uploads keep going through the proxy.
        if (typeof headers.location === 'string') headers.location = headers.location.replace(target.origin, `http://${proxyHost}`);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  const proxyHost = `127.0.0.1:${port}`;
  return {
    host: proxyHost,
    url: `http://${proxyHost}`,
    requests,
    count: (method, pattern) => requests.filter((r) => r.method === method && pattern.test(r.path)).length,
    stop: () => closeServer(server),
  };
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A valid Wasm module of about `size` bytes: the 8-byte header plus one custom section of filler derived from
 * `seed`, so different seeds give different digests.
 */
export function wasmModule(size = 64, seed = 'wasmfleet'): Buffer {
  const name = Buffer.from('fill');
  const fillLen = Math.max(0, size - 8 - 1 - 5 - 1 - name.length);
  const filler = Buffer.alloc(fillLen);
  let block = crypto.createHash('sha256').update(seed).digest();
  for (let i = 0; i < fillLen; i += block.length) {
    block.copy(filler, i);
    block = crypto.createHash('sha256').update(block).digest();
  }
  const payload = Buffer.concat([Buffer.from([name.length]), name, filler]);
  // section size as a fixed 5-byte LEB128 so the total size is exact
  const len = payload.length;
  const leb = Buffer.from([(len & 0x7f) | 0x80, ((len >> 7) & 0x7f) | 0x80, ((len >> 14) & 0x7f) | 0x80, ((len >> 21) & 0x7f) | 0x80, (len >> 28) & 0x0f]);
  return Buffer.concat([Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00]), leb, payload]);
}
