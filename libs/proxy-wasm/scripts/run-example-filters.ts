// Runs the example filters in examples/filters/dist through the host and prints what they did.
//   npx tsx libs/proxy-wasm/scripts/run-example-filters.ts
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FilterPlugin, loadFilterModule, SharedState, type HttpRequest, type PluginOptions } from '../src/index.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/filters/dist');
const req = (headers: [string, string][] = []): HttpRequest => ({ method: 'GET', path: '/hello', authority: 'svc', scheme: 'http', headers: [['user-agent', 'script'], ...headers] });
const upstream = async (r: HttpRequest) => ({ status: 200, headers: [['x-upstream-saw', JSON.stringify(r.headers)]] as [string, string][], body: Buffer.from('ok') });

async function run(name: string, rootId: string, opts: Partial<PluginOptions>, requests: number): Promise<void> {
  const file = path.join(dist, `${name}.wasm`);
  if (!existsSync(file)) return void console.log(`${name}: not built`);
  const mod = await loadFilterModule(new Uint8Array(readFileSync(file)));
  console.log(`\n== ${name}: abi ${mod.abi}, ${mod.size} bytes, ${mod.imports.length} imports`);
  let plugin: FilterPlugin;
  try {
    plugin = await FilterPlugin.start(mod, { name, rootId, sharedState: new SharedState(), logger: (l, m) => console.log(`   [${l}] ${m}`), ...opts });
  } catch (err) {
    return void console.log(`   start failed: ${(err as Error).message}`);
  }
  for (let i = 1; i <= requests; i++) {
    const r = await plugin.handle(req(), upstream);
    const added = r.upstreamRequest?.headers.filter(([k]) => !['user-agent'].includes(k)) ?? [];
    console.log(`   #${i} → ${r.response.status} ${r.localReply ? `local(${r.localReply.details}) ` : ''}${r.failure ? `FAILURE ${r.failure.kind}: ${r.failure.message} ` : ''}` +
      `upstream+${JSON.stringify(added)} response-headers=${JSON.stringify(r.response.headers.filter(([k]) => k !== 'x-upstream-saw'))}`);
  }
  console.log(`   metrics ${JSON.stringify(plugin.metrics())} vmFailures=${plugin.vmFailures()} state=${plugin.state()}`);
  await plugin.close();
}

await run('add-header', 'add_header', { pluginConfig: '{"header":"x-powered-by","value":"wasmfleet"}' }, 2);
await run('add-header', 'add_header', { pluginConfig: '{"header":"bad header"}' }, 0);
await run('c-add-header', 'c_add_header', { pluginConfig: '{"value":"from-c"}' }, 2);
await run('rate-limit', 'rate_limit', { pluginConfig: '{"requestsPerSecond": 2, "burst": 2}', nowNanos: () => 1_000_000_000n }, 3);
await run('faulty', 'faulty', { pluginConfig: '{"failureRate": 0.5}' }, 4);
await run('faulty', 'faulty', { pluginConfig: '{"failureRate": 1, "trap": true}', failurePolicy: 'FAIL_RELOAD' }, 2);
