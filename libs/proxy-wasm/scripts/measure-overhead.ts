// Measures what a filter costs per request: FilterPlugin.handle() with an add-header filter against
// calling the same upstream directly, in-process (no sockets), sequentially. Prints p50/p90/p99 in µs.
//   npm run build -w @wasmfleet/proxy-wasm   # optional: measures the tsc build (what ships) if present
//   npx tsx libs/proxy-wasm/scripts/measure-overhead.ts [requests]
// Uses examples/filters/dist/{add-header,c-add-header}.wasm when built, and always a C fixture.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileC, compileWat } from '../test-support/compile-fixture.js';
import type { HttpRequest, HttpResponse } from '../src/index.js';
import type * as Lib from '../src/index.js';

const N = Number(process.argv[2] ?? 20000);
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../../examples/filters/dist');
const built = path.resolve(here, '../dist/index.js');
// The tsc build runs without tsx's per-function wrappers, so it is the number that matters.
const lib: typeof Lib = await import(existsSync(built) ? built : '../src/index.js');
const { FilterPlugin, loadFilterModule, SharedState } = lib;
console.log(`library: ${existsSync(built) ? 'libs/proxy-wasm/dist (tsc build)' : 'libs/proxy-wasm/src (through tsx, slower)'}`);

const ADD_HEADER_C = `#include "proxy_wasm.h"
ABI_0_2_1
DEFAULT_CONTEXT_CREATE
EXPORT(proxy_on_request_headers) uint32_t proxy_on_request_headers(uint32_t c, uint32_t n, uint32_t e) {
  add_header(REQUEST_HEADERS, "x-added", "yes", 3); return CONTINUE; }`;

// Exports the callbacks and does nothing: what the host itself costs.
const NO_OP_WAT = `(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_log") (param i32)) (func (export "proxy_on_delete") (param i32)))`;

const request: HttpRequest = {
  method: 'GET', path: '/api/v1/items?page=2', authority: 'svc.local', scheme: 'http',
  headers: [['user-agent', 'bench/1.0'], ['accept', '*/*'], ['x-request-id', 'a3c1e6a8-5a0b-4d5e-9f55-3f3c7e4e2b11'], ['accept-encoding', 'gzip']],
  source: { address: '10.0.0.7', port: 51234 },
};
const response: HttpResponse = { status: 200, headers: [['content-type', 'application/json'], ['content-length', '2']], body: Buffer.from('{}') };
const upstream = async (_r: HttpRequest) => response;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10000; i++) await fn(); // warm-up: JIT and Wasm tier-up
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out;
}

const fmt = (x: number) => x.toFixed(2).padStart(7);
const baseline = stats(await time(() => upstream(request)));
console.log(`requests per run: ${N}`);
console.log(`no filter (direct upstream call)      p50 ${fmt(baseline.p50)} µs  p90 ${fmt(baseline.p90)}  p99 ${fmt(baseline.p99)}`);

const filters: [string, Uint8Array, string, string][] = [
  ['no-op filter (host cost only)', compileWat(NO_OP_WAT), 'r', ''],
  ['C fixture add request header', compileC('bench-add-header', ADD_HEADER_C), 'r', ''],
];
if (existsSync(path.join(dist, 'c-add-header.wasm'))) filters.push(['examples c-add-header (C, 0.2.1)', readFileSync(path.join(dist, 'c-add-header.wasm')), 'c_add_header', '']);
if (existsSync(path.join(dist, 'add-header.wasm'))) filters.push(['examples add-header (AssemblyScript, 0.2.0)', readFileSync(path.join(dist, 'add-header.wasm')), 'add_header', '{"header":"x-powered-by","value":"wasmfleet"}']);

for (const [label, bytes, rootId, pluginConfig] of filters) {
  const plugin = await FilterPlugin.start(await loadFilterModule(new Uint8Array(bytes)), { name: 'bench', rootId, pluginConfig, sharedState: new SharedState() });
  const s = stats(await time(() => plugin.handle(request, upstream)));
  console.log(`${label.padEnd(38)} p50 ${fmt(s.p50)} µs  p90 ${fmt(s.p90)}  p99 ${fmt(s.p99)}   overhead p50 ${fmt(s.p50 - baseline.p50)} µs`);
  await plugin.close();
}
