import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { header, request, startFixture, text, upstream } from '../test-support/exchange-helpers.js';
import type { FilterPlugin } from './filter-plugin.js';

describe('pause, http_call and resume (callout.c against a real HTTP server)', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  let plugin: FilterPlugin;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
      if (user === 'slow') return void setTimeout(() => res.end('late'), 3000);
      res.statusCode = user === 'mallory' ? 403 : 200;
      res.end(`token-for-${user}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => plugin?.close());

  const start = async () =>
    (plugin = (await startFixture('callout', { httpCallTarget: (cluster) => (cluster === 'auth' ? baseUrl : cluster === 'dead' ? 'http://127.0.0.1:1' : undefined) })).plugin);

  it('pauses the request, performs the call, and resumes with what the response said', async () => {
    await start();
    const up = upstream();
    const result = await plugin.handle(request({ headers: [['x-user', 'alice']] }), up);
    expect(seen.at(-1)?.url).toBe('/check?user=alice');
    expect(seen.at(-1)?.headers['x-from']).toBe('filter');
    expect(up.calls).toHaveLength(1);
    expect(header(up.calls[0]!.headers, 'x-auth')).toBe('token-for-alice');
    expect(header(up.calls[0]!.headers, 'x-auth-status')).toBe('200');
    expect(result.response.status).toBe(200);
  });

  it('replies locally when the call response says no', async () => {
    await start();
    const up = upstream();
    const result = await plugin.handle(request({ headers: [['x-user', 'mallory']] }), up);
    expect(up.calls).toHaveLength(0);
    expect(result.response.status).toBe(401);
    expect(result.localReply?.details).toBe('auth_denied');
  });

  it('keeps concurrent paused requests apart', async () => {
    await start();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const results = await Promise.all(users.map((u) => plugin.handle(request({ headers: [['x-user', u]] }), upstream())));
    expect(results.map((r) => header(r.upstreamRequest?.headers, 'x-auth'))).toEqual(users.map((u) => `token-for-${u}`));
  });

  it('reports a failed call as a response without headers (connection refused)', async () => {
    await start();
    const result = await plugin.handle(request({ headers: [['x-user', 'bob'], ['x-cluster', 'dead']] }), upstream());
    expect(result.response.status).toBe(502);
    expect(text(result.response.body)).toBe('auth unavailable');
  });

  it('answers BAD_ARGUMENT for an unknown cluster and lets the filter carry on', async () => {
    await start();
    const result = await plugin.handle(request({ headers: [['x-cluster', 'nowhere']] }), upstream());
    expect(header(result.upstreamRequest?.headers, 'x-call-status')).toBe('2');
    expect(result.logs.map((l) => l.message)).toContain('proxy_http_call: unknown cluster "nowhere"');
  });

  it('answers 503 to a request still paused when the plugin closes', async () => {
    await start();
    const pending = plugin.handle(request({ headers: [['x-user', 'slow']] }), upstream());
    await new Promise((r) => setTimeout(r, 50));
    await plugin.close();
    const result = await pending;
    expect(result.response.status).toBe(503);
    expect(result.localReply?.details).toBe('wasm_plugin_closed');
  });

  it('answers 504 when a paused request is never resumed in time', async () => {
    plugin = (await startFixture('callout', { httpCallTarget: () => baseUrl, pausedStreamTimeoutMs: 200 })).plugin;
    const up = upstream();
    const result = await plugin.handle(request({ headers: [['x-user', 'slow']] }), up);
    expect(result.response.status).toBe(504);
    expect(result.localReply?.details).toBe('wasm_paused_stream_timeout');
    expect(up.calls).toHaveLength(0);
  });
});
