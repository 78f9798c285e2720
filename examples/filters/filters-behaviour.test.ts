// Every example filter through the real proxy-wasm host (libs/proxy-wasm): what each one does to requests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { FilterPlugin, loadFilterModule, type HttpRequest, type PluginOptions } from '@wasmfleet/proxy-wasm';

const DIST = path.join(import.meta.dirname, 'dist');
const plugins: FilterPlugin[] = [];

beforeAll(() => {
  execFileSync(process.execPath, [path.join(import.meta.dirname, 'build.mjs')], { stdio: 'ignore' });
}, 300_000);

afterEach(async () => {
  await Promise.all(plugins.splice(0).map((p) => p.close()));
});

async function start(name: string, rootId: string, opts: Partial<PluginOptions> = {}): Promise<FilterPlugin> {
  const mod = await loadFilterModule(new Uint8Array(readFileSync(path.join(DIST, `${name}.wasm`))));
  const plugin = await FilterPlugin.start(mod, { name, rootId, ...opts });
  plugins.push(plugin);
  return plugin;
}

const request = (): HttpRequest => ({ method: 'GET', path: '/x', authority: 'svc', scheme: 'http', headers: [['user-agent', 'test']] });
const ok = async () => ({ status: 200, headers: [['content-type', 'text/plain']] as [string, string][], body: Buffer.from('ok') });
const header = (headers: [string, string][] | undefined, name: string) => headers?.find(([k]) => k === name)?.[1];

describe('add-header (AssemblyScript)', () => {
  it('adds the configured response header', async () => {
    const p = await start('add-header', 'add_header', { pluginConfig: '{"header":"x-powered-by","value":"wasmfleet"}' });
    const r = await p.handle(request(), ok);
    expect(r.response.status).toBe(200);
    expect(header(r.response.headers, 'x-powered-by')).toBe('wasmfleet');
  });

  it('is refused at configure time with a config it cannot use', async () => {
    await expect(start('add-header', 'add_header', { pluginConfig: '{"header": 42}' })).rejects.toThrow(/configur/i);
  });
});

describe('rate-limit (AssemblyScript)', () => {
  it('answers 429 with powered-by: proxy-wasm on the 3rd request within a second, and recovers after', async () => {
    let now = 5_000_000_000n;
    const p = await start('rate-limit', 'rate_limit', { nowNanos: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await p.handle(request(), ok)).response.status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await p.handle(request(), ok);
    expect(header(limited.response.headers, 'powered-by')).toBe('proxy-wasm');
    expect(limited.upstreamRequest).toBeUndefined();
    now += 1_000_000_000n;
    expect((await p.handle(request(), ok)).response.status).toBe(200);
  });
});

describe('faulty (AssemblyScript)', () => {
  it('fails the configured share of requests with its status, deterministically', async () => {
    const p = await start('faulty', 'faulty', { pluginConfig: '{"failureRate": 0.3, "status": 500}' });
    const failed: number[] = [];
    for (let n = 1; n <= 10; n++) if ((await p.handle(request(), ok)).response.status === 500) failed.push(n);
    expect(failed).toEqual([4, 7, 10]);
  });

  it.each([
    ['FAIL_CLOSED', 503, false],
    ['FAIL_OPEN', 200, true],
  ] as const)('traps, and %s decides the request: %i', async (policy, status, reachedUpstream) => {
    const p = await start('faulty', 'faulty', { pluginConfig: '{"failureRate": 1, "trap": true}', failurePolicy: policy });
    const r = await p.handle(request(), ok);
    expect(r.failure?.kind).toBe('trap');
    expect(r.response.status).toBe(status);
    expect(r.upstreamRequest !== undefined).toBe(reachedUpstream);
    expect(p.vmFailures()).toBe(1);
  });

  it('with FAIL_RELOAD, fails the trapping request and serves the next from a fresh VM', async () => {
    const p = await start('faulty', 'faulty', { pluginConfig: '{"failureRate": 0.3, "trap": true}', failurePolicy: 'FAIL_RELOAD' });
    const statuses: number[] = [];
    for (let n = 1; n <= 5; n++) statuses.push((await p.handle(request(), ok)).response.status);
    // Request 4 traps; a fresh VM restarts the count, so request 5 is its 1st and passes.
    expect(statuses).toEqual([200, 200, 200, 503, 200]);
  });
});

describe('c-add-header (C, ABI 0.2.1)', () => {
  it('adds a request header the upstream sees', async () => {
    const p = await start('c-add-header', 'c_add_header', { pluginConfig: '{"value":"from-c"}' });
    const r = await p.handle(request(), ok);
    expect(header(r.upstreamRequest?.headers, 'x-c-filter')).toBe('from-c');
    expect(r.response.status).toBe(200);
  });
});
