// Starts the built wasmfleet-proxy (apps/proxy/dist/main.js) as a child process, and the small servers a
// proxy test needs: an upstream that echoes what it received, and a module server for .wasm files.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PROXY_MAIN = path.join(repoRoot, 'apps/proxy/dist/main.js');
export const EXAMPLE_FILTERS = path.join(repoRoot, 'examples/filters/dist');

export interface ProxyNode {
  node: string;
  listen: string;
  admin: string;
}

export interface ProxyProcess {
  child: ChildProcess;
  nodes: ProxyNode[];
  output(): string;
  stop(): Promise<void>;
}

export async function startProxy(args: string[], env: Record<string, string> = {}, expectedNodes = 1): Promise<ProxyProcess> {
  if (!existsSync(PROXY_MAIN)) throw new Error(`${PROXY_MAIN} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [PROXY_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  const nodes = () =>
    [...out.matchAll(/^ready: node=(\S+) listen=(\S+) admin=(\S+)$/gm)].map(([, node, listen, admin]) => ({ node: node!, listen: listen!, admin: admin! }));
  while (nodes().length < expectedNodes) {
    if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`proxy not ready within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    nodes: nodes(),
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface TestHttpServer {
  url: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener, requests: TestHttpServer['requests']): Promise<TestHttpServer> {
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An upstream that answers 200 with the request it saw as JSON. */
export function startEchoUpstream(): Promise<TestHttpServer> {
  return serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  }, []);
}

/** Serves the example filters at /<name>.wasm. */
export function startModuleServer(dir = EXAMPLE_FILTERS): Promise<TestHttpServer> {
  return serve((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ''));
    if (!file.endsWith('.wasm') || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(file));
  }, []);
}

export function exampleFilterSha(name: string): string {
  return createHash('sha256').update(readFileSync(path.join(EXAMPLE_FILTERS, `${name}.wasm`))).digest('hex');
}

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
