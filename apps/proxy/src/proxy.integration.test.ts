// wasmfleet-proxy against the real ECDS server: real Redis, real server and proxy processes, real filters.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_FILTERS, eventually, exampleFilterSha, startEchoUpstream, startModuleServer, startProxy, type ProxyProcess, type TestHttpServer } from '../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../../testing/server-process.js';

let redis: TestRedis;
let server: ServerProcess;
let upstream: TestHttpServer;
let modules: TestHttpServer;
const proxies: ProxyProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  [server, upstream, modules] = await Promise.all([startServer({ redisUrl: redis.url }), startEchoUpstream(), startModuleServer()]);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all([server?.stop(), upstream?.close(), modules?.close()]);
  await redis?.stop();
});

function spec(filter: string, rootId: string, config: unknown, sha = exampleFilterSha(filter)) {
  return { module: { url: `${modules.url}/${filter}.wasm`, sha256: sha }, rootId, config, failurePolicy: 'FAIL_CLOSED' };
}

async function proxyFor(slot: string, mode: 'sotw' | 'delta', extra: string[] = []) {
  const p = await startProxy(
    ['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--slot', slot, '--xds', server.grpcTarget, '--xds-mode', mode, '--node-id', `${slot}-${mode}`, ...extra],
    { WASMFLEET_TOKEN: server.token },
  );
  proxies.push(p);
  return p.nodes[0]!;
}

const stat = async (admin: string, name: string) => {
  const text = await (await fetch(`${admin}/stats`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.split(': ')[1]) : 0;
};

describe.each(['delta', 'sotw'] as const)('wasmfleet-proxy over ECDS %s', (mode) => {
  it('runs the filter it receives, NACKs a bad sha256 and keeps serving the last good filter', async () => {
    // Given a slot with the add-header filter and a proxy subscribed to it
    const slot = `wasmfleet.demo.add-header-${mode}`;
    expect((await server.api('POST', '/api/v1/slots', { name: slot, spec: spec('add-header', 'add_header', { header: 'x-powered-by', value: 'wasmfleet-v1' }) })).status).toBe(201);
    const node = await proxyFor(slot, mode);

    // When a request goes through, Then the filter's header is on the response, and the config was ACKed
    const first = await fetch(`${node.listen}/hello`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-powered-by')).toBe('wasmfleet-v1');
    expect(first.headers.get('x-upstream')).toBe('echo');
    expect(await stat(node.admin, `extension_config_discovery.http_filter.${slot}.config_reload`)).toBe(1);

    // When the slot changes, Then the new config serves
    await server.api('PUT', `/api/v1/slots/${slot}`, { spec: spec('add-header', 'add_header', { header: 'x-powered-by', value: 'wasmfleet-v2' }) });
    await eventually(async () => ((await fetch(`${node.listen}/`)).headers.get('x-powered-by') === 'wasmfleet-v2' ? true : undefined), 'v2 to serve');

    // When the slot points at a module with a wrong sha256, Then the proxy NACKs with the reason and keeps v2
    await server.api('PUT', `/api/v1/slots/${slot}`, { spec: spec('add-header', 'add_header', { header: 'x-powered-by', value: 'v3' }, 'f'.repeat(64)) });
    const nack = await eventually(async () => {
      const { body } = await server.api('GET', `/api/v1/nacks?node=${slot}-${mode}`);
      return body.items[0];
    }, 'the NACK');
    expect(nack.message).toMatch(/sha256 mismatch/);
    expect(await stat(node.admin, `extension_config_discovery.http_filter.${slot}.config_fail`)).toBe(1);
    expect((await fetch(`${node.listen}/`)).headers.get('x-powered-by')).toBe('wasmfleet-v2');
  });
});

describe('wasmfleet-proxy filters and warming', () => {
  it('answers 429 with powered-by: proxy-wasm on the 3rd request within a second (rate-limit)', async () => {
    const slot = 'wasmfleet.demo.rate-limit';
    await server.api('POST', '/api/v1/slots', { name: slot, spec: spec('rate-limit', 'rate_limit', {}) });
    const node = await proxyFor(slot, 'delta');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await fetch(`${node.listen}/`));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[2]!.headers.get('powered-by')).toBe('proxy-wasm');
  });

  it('runs the C filter, which adds a request header the upstream sees', async () => {
    const slot = 'wasmfleet.demo.c-add-header';
    await server.api('POST', '/api/v1/slots', { name: slot, spec: spec('c-add-header', 'c_add_header', { value: 'from-c' }) });
    const node = await proxyFor(slot, 'delta');
    const seen = await (await fetch(`${node.listen}/c`)).json();
    expect(seen.headers['x-c-filter']).toBe('from-c');
  });

  it('holds requests while the slot warms and serves them with the config once it arrives', async () => {
    // Given a proxy whose slot does not exist yet, with a long warm timeout
    const slot = 'wasmfleet.demo.warming';
    const node = await proxyFor(slot, 'delta', ['--warm-timeout-ms', '20000']);
    // When a request arrives before the config, and the slot is created afterwards
    const pending = fetch(`${node.listen}/`);
    await new Promise((r) => setTimeout(r, 200));
    await server.api('POST', '/api/v1/slots', { name: slot, spec: spec('add-header', 'add_header', { header: 'x-warm', value: 'yes' }) });
    // Then the request is answered through the filter, not with an error
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-warm')).toBe('yes');
  });

  it('answers 500 (no filter config) after the warm timeout when no config and no default exist', async () => {
    const node = await proxyFor('wasmfleet.demo.never-created', 'delta', ['--warm-timeout-ms', '100']);
    const res = await fetch(`${node.listen}/`);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/filter config not found for wasmfleet.demo.never-created/);
  });

  it('serves its default config until ECDS delivers one, and returns to it when the slot is deleted', async () => {
    const slot = 'wasmfleet.demo.defaulted';
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'wf-default-')), 'default.json');
    writeFileSync(file, JSON.stringify({ module: { path: path.join(EXAMPLE_FILTERS, 'add-header.wasm') }, rootId: 'add_header', config: { header: 'x-from', value: 'default' } }));
    const node = await proxyFor(slot, 'delta', ['--default-config', `${slot}=${file}`]);
    expect((await fetch(`${node.listen}/`)).headers.get('x-from')).toBe('default');

    await server.api('POST', '/api/v1/slots', { name: slot, spec: spec('add-header', 'add_header', { header: 'x-from', value: 'ecds' }) });
    await eventually(async () => ((await fetch(`${node.listen}/`)).headers.get('x-from') === 'ecds' ? true : undefined), 'the ECDS config');

    await server.api('DELETE', `/api/v1/slots/${slot}`);
    await eventually(async () => ((await fetch(`${node.listen}/`)).headers.get('x-from') === 'default' ? true : undefined), 'the default again');
  });

  it('serves Envoy-named stats in Prometheus format', async () => {
    const node = await proxyFor('wasmfleet.demo.stats', 'delta', ['--warm-timeout-ms', '0']);
    await fetch(`${node.listen}/`);
    const prom = await (await fetch(`${node.admin}/stats/prometheus`)).text();
    expect(prom).toContain('envoy_http_ingress_http_downstream_rq_xx{envoy_response_code_class="5"} 1');
    expect(prom).toMatch(/envoy_http_ingress_http_downstream_rq_time_count 1/);
  });

  it('runs several proxies in one process with their own node ids', async () => {
    const slot = 'wasmfleet.demo.replicas';
    await server.api('POST', '/api/v1/slots', { name: slot, spec: spec('add-header', 'add_header', { header: 'x-r', value: '1' }) });
    const p = await startProxy(
      ['--upstream', upstream.url, '--listen', '0', '--admin-port', '0', '--slot', slot, '--xds', server.grpcTarget, '--node-id', 'fleet', '--replicas', '3'],
      { WASMFLEET_TOKEN: server.token },
      3,
    );
    proxies.push(p);
    expect(p.nodes.map((n) => n.node)).toEqual(['fleet-0', 'fleet-1', 'fleet-2']);
    for (const n of p.nodes) expect((await fetch(`${n.listen}/`)).headers.get('x-r')).toBe('1');
    const dump = await (await fetch(`${p.nodes[2]!.admin}/config_dump`)).json();
    expect(dump.node.id).toBe('fleet-2');
    expect(dump.slots[0].sha256).toBe(exampleFilterSha('add-header'));
  });
});
