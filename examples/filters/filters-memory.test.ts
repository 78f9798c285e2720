// The AssemblyScript filters must not keep memory per request: a proxy runs a VM for weeks. Each filter
// serves a warm-up, then 20,000 more requests through the real host; its linear memory (which only ever
// grows, by doubling in AssemblyScript's allocator) must stay the size it had after the warm-up.
// Before the glue in shared/assembly/contexts.ts, every stream context stayed alive (≈ 40 B a request):
// the SDK's `context_map.get(id) as Context` keeps a reference AssemblyScript 0.14 never releases.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { FilterPlugin, loadFilterModule, SharedState, type HttpRequest } from '@wasmfleet/proxy-wasm';

const DIST = path.join(import.meta.dirname, 'dist');
const WARM_UP = 2_000;
const REQUESTS = 20_000;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(import.meta.dirname, 'build.mjs')], { stdio: 'ignore' });
}, 300_000);

const request = (): HttpRequest => ({ method: 'GET', path: '/x', authority: 'svc', scheme: 'http', headers: [['user-agent', 'test']] });
const ok = async () => ({ status: 200, headers: [['content-type', 'text/plain']] as [string, string][], body: Buffer.from('ok') });

it.each([
  ['add-header', 'add_header', '{"header":"x-powered-by","value":"wasmfleet"}', 200],
  ['rate-limit', 'rate_limit', '{"requestsPerSecond": 1000000000, "burst": 1000000}', 200],
  // Every 4th request gets a local reply: that path allocates too.
  ['faulty', 'faulty', '{"failureRate": 0.25, "status": 500}', 500],
] as const)('%s keeps the same memory over 20,000 requests', async (name, rootId, pluginConfig, lastStatus) => {
  const mod = await loadFilterModule(new Uint8Array(readFileSync(path.join(DIST, `${name}.wasm`))));
  const plugin = await FilterPlugin.start(mod, { name, rootId, pluginConfig, sharedState: new SharedState() });
  try {
    for (let i = 0; i < WARM_UP; i++) await plugin.handle(request(), ok);
    const settled = plugin.memoryBytes();
    let last;
    for (let i = 0; i < REQUESTS; i++) last = await plugin.handle(request(), ok);
    expect(last?.response.status).toBe(lastStatus);
    expect(plugin.memoryBytes()).toBe(settled);
  } finally {
    await plugin.close();
  }
}, 60_000);
