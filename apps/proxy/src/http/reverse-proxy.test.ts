// The data path in-process: a real listener, real slots running the example filters, a real upstream.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmFilterConfig } from '@wasmfleet/envoy';
import { EXAMPLE_FILTERS } from '../../../../testing/proxy-process.js';
import { ModuleFetcher } from '../modules/module-fetcher.js';
import { SlotRuntime } from '../slots/slot-runtime.js';
import { EnvoyStats } from '../stats/envoy-stats.js';
import { createReverseProxy } from './reverse-proxy.js';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

const servers: http.Server[] = [];
const slots: SlotRuntime[] = [];

async function listen(server: http.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Answers 201 with what it received as JSON, plus a hop-by-hop header the proxy must not pass on. */
function echoUpstream(): Promise<string> {
  return listen(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen: Seen = { method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() };
        res.writeHead(201, [['Content-Type', 'application/json'], ['X-Upstream', 'echo'], ['Keep-Alive', 'timeout=5']] as unknown as http.OutgoingHttpHeaders);
        res.end(JSON.stringify(seen));
      });
    }),
  );
}

function filterConfig(file: string, rootId: string, configuration: object): WasmFilterConfig {
  return {
    name: file,
    rootId,
    vmId: '',
    runtime: 'envoy.wasm.runtime.v8',
    code: { kind: 'local', filename: path.join(EXAMPLE_FILTERS, `${file}.wasm`) },
    configuration: JSON.stringify(configuration),
    failurePolicy: 'FAIL_CLOSED',
  };
}

async function slot(name: string, stats: EnvoyStats, defaultConfig?: WasmFilterConfig): Promise<SlotRuntime> {
  const s = new SlotRuntime(name, { fetcher: new ModuleFetcher(), stats, log: () => {}, ...(defaultConfig && { defaultConfig }) });
  slots.push(s);
  await s.start();
  return s;
}

/** A proxy in front of `upstream` with the given slots; answers its URL and stats. */
async function proxy(upstream: string, make: (stats: EnvoyStats) => Promise<SlotRuntime[]>) {
  const stats = new EnvoyStats();
  const chain = await make(stats);
  const url = await listen(createReverseProxy({ upstream: new URL(upstream), route: () => ({ slots: chain, stats, warmed: Promise.resolve() }) }));
  return { url, stats };
}

/** One request with raw headers (names as given; Host added unless given), answering status, raw headers and body. */
function send(url: string, method: string, rawHeaders: string[], body?: string) {
  const headers = rawHeaders.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host') ? rawHeaders : ['Host', new URL(url).host, ...rawHeaders];
  return new Promise<{ status: number; rawHeaders: string[]; body: string }>((resolve, reject) => {
    const req = http.request(url, { method, headers: headers as unknown as http.OutgoingHttpHeaders, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pairs = (raw: string[]) => Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i]!, raw[2 * i + 1]!]);

let upstream: string;
beforeAll(async () => {
  upstream = await echoUpstream();
});

afterAll(async () => {
  await Promise.all(slots.map((s) => s.close()));
  await Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

describe('reverse proxy through the filter chain', () => {
  it('forwards the request through both filters and the response back, as Envoy would', async () => {
    // Given a chain of c-add-header (request header) then add-header (response header)
    const p = await proxy(upstream, async (stats) => [
      await slot('c', stats, filterConfig('c-add-header', 'c_add_header', { value: 'from-c' })),
      await slot('as', stats, filterConfig('add-header', 'add_header', { header: 'x-powered-by', value: 'wasmfleet' })),
    ]);
    // When a request with mixed-case and hop-by-hop headers goes through
    const res = await send(`${p.url}/items?page=2`, 'GET', ['Host', 'svc.local', 'X-Trace', 'T1', 'Connection', 'keep-alive', 'TE', 'trailers', 'Accept', 'a', 'Accept', 'b']);
    // Then the upstream sees the method, path, Host, lower-cased end-to-end headers in order, and the C filter's header
    expect(res.status).toBe(201);
    const seen: Seen = JSON.parse(res.body);
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/items?page=2');
    expect(pairs(seen.rawHeaders)).toEqual([
      ['x-trace', 'T1'],
      ['accept', 'a'],
      ['accept', 'b'],
      ['x-c-filter', 'from-c'],
      ['host', 'svc.local'],
      ['Connection', 'keep-alive'],
    ]);
    expect(seen.body).toBe('');
    // And the client gets the upstream's end-to-end headers, add-header's header and a true content-length
    const headers = pairs(res.rawHeaders).filter(([k]) => !['date', 'connection', 'keep-alive'].includes(k.toLowerCase()));
    expect(headers).toEqual([
      ['content-type', 'application/json'],
      ['x-upstream', 'echo'],
      ['x-powered-by', 'wasmfleet'],
      ['content-length', String(Buffer.byteLength(res.body))],
    ]);
    expect(p.stats.value('http.ingress_http.downstream_rq_total')).toBe(1);
    expect(p.stats.value('http.ingress_http.downstream_rq_xx', { envoy_response_code_class: '2' })).toBe(1);
    expect(p.stats.value('wasmfleet.slot.requests', { slot: 'as', version: 'default' })).toBe(1);
    expect(p.stats.value('wasmfleet.slot.requests', { slot: 'c', version: 'default' })).toBe(1);
  });

  it('forwards a request body, and uses the upstream host when the client sends none', async () => {
    const p = await proxy(upstream, async () => []);
    const res = await send(`${p.url}/post`, 'POST', ['Content-Type', 'text/plain', 'Content-Length', '5'], 'hello');
    const seen: Seen = JSON.parse(res.body);
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('hello');
    expect(pairs(seen.rawHeaders)).toContainEqual(['content-length', '5']);
    // Without a Host header (HTTP/1.0) the proxy names the upstream
    const bare = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(new URL(p.url).port), '127.0.0.1', () => socket.write('GET /bare HTTP/1.0\r\n\r\n'));
      let text = '';
      socket.on('data', (d: Buffer) => (text += d));
      socket.on('close', () => resolve(text));
    });
    const echoed: Seen = JSON.parse(bare.slice(bare.indexOf('\r\n\r\n') + 4));
    expect(pairs(echoed.rawHeaders)).toContainEqual(['host', new URL(upstream).host]);
  });

  it('answers 503 when the upstream cannot be reached, and 500 when a slot has no config', async () => {
    const closed = await listen(http.createServer());
    await new Promise((r) => servers.pop()!.close(r));
    const down = await proxy(closed, async () => []);
    const res = await send(`${down.url}/`, 'GET', []);
    expect(res.status).toBe(503);
    expect(res.body).toBe('upstream connect error or disconnect/reset before headers\n');
    expect(down.stats.value('http.ingress_http.downstream_rq_xx', { envoy_response_code_class: '5' })).toBe(1);

    const unconfigured = await proxy(upstream, async (stats) => [await slot('empty', stats)]);
    const nfcf = await send(`${unconfigured.url}/`, 'GET', []);
    expect(nfcf.status).toBe(500);
    expect(nfcf.body).toBe('filter config not found for empty\n');
    expect(unconfigured.stats.value('http.ingress_http.downstream_rq_nfcf')).toBe(1);
  });
});
