import http from 'node:http';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleFetcher } from './module-fetcher.js';

const wasm = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const sha = createHash('sha256').update(wasm).digest('hex');
let server: http.Server;
let base: string;
const hits = new Map<string, number>();
let flaky = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    if (req.url === '/ok.wasm') return void setTimeout(() => res.end(wasm), 20);
    if (req.url === '/empty.wasm') return void res.end();
    if (req.url === '/flaky.wasm') return void (flaky++ < 2 ? res.writeHead(503).end() : res.end(wasm));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const noSleep = { sleep: async () => undefined };

describe('ModuleFetcher', () => {
  it('fetches once for many concurrent callers and serves later ones from the digest cache', async () => {
    const f = new ModuleFetcher(noSleep);
    const all = await Promise.all(Array.from({ length: 20 }, () => f.get(`${base}/ok.wasm`, sha)));
    expect(all.every((b) => Buffer.from(b).equals(wasm))).toBe(true);
    await f.get(`${base}/ok.wasm`, sha);
    expect(hits.get('/ok.wasm')).toBe(1);
  });

  it('refuses a module whose sha256 does not match, without retrying', async () => {
    const f = new ModuleFetcher(noSleep);
    const before = hits.get('/ok.wasm') ?? 0;
    await expect(f.get(`${base}/ok.wasm`, 'b'.repeat(64))).rejects.toThrow(`sha256 mismatch: expected ${'b'.repeat(64)}, got ${sha}`);
    expect(hits.get('/ok.wasm')).toBe(before + 1);
  });

  it.each([
    ['/missing.wasm', /HTTP 404, expected 200/],
    ['/empty.wasm', /empty body/],
  ])('refuses %s', async (path, reason) => {
    await expect(new ModuleFetcher(noSleep).get(`${base}${path}`, sha)).rejects.toThrow(reason);
  });

  it('retries a 5xx with backoff and succeeds', async () => {
    const delays: number[] = [];
    const f = new ModuleFetcher({ attempts: 3, sleep: async (ms) => void delays.push(ms) });
    expect(Buffer.from(await f.get(`${base}/flaky.wasm`, sha)).equals(wasm)).toBe(true);
    expect(delays).toHaveLength(2);
    expect(delays[1]!).toBeGreaterThanOrEqual(1000);
  });

  it('keeps a failure for the negative-cache period', async () => {
    let now = 0;
    const f = new ModuleFetcher({ ...noSleep, attempts: 1, now: () => now, negativeCacheMs: 10_000 });
    await expect(f.get(`${base}/missing.wasm`, sha)).rejects.toThrow(/404/);
    const before = hits.get('/missing.wasm');
    await expect(f.get(`${base}/missing.wasm`, sha)).rejects.toThrow(/404/);
    expect(hits.get('/missing.wasm')).toBe(before);
    now = 10_001;
    await expect(f.get(`${base}/missing.wasm`, sha)).rejects.toThrow(/404/);
    expect(hits.get('/missing.wasm')).toBe(before! + 1);
  });
});
