import { afterEach, describe, expect, it } from 'vitest';
import { header, request, startFixture, text, upstream } from '../test-support/exchange-helpers.js';
import type { FilterPlugin } from './filter-plugin.js';

describe('local replies (local-reply.c)', () => {
  let plugin: FilterPlugin;
  afterEach(() => plugin?.close());

  it('answers from the filter without calling upstream', async () => {
    plugin = (await startFixture('local-reply')).plugin;
    const up = upstream();
    const result = await plugin.handle(request({ path: '/deny' }), up);
    expect(up.calls).toHaveLength(0);
    expect(result.upstreamRequest).toBeUndefined();
    expect(result.localReply).toEqual({ status: 403, details: 'denied_by_filter', body: Buffer.from('go away'), headers: [['x-deny', '1']] });
    expect(result.response.status).toBe(403);
    expect(text(result.response.body)).toBe('go away');
    expect(header(result.response.headers, 'x-deny')).toBe('1');
    expect(header(result.response.headers, 'content-type')).toBe('text/plain');
    // As in Envoy, the local reply passes the filter's response callbacks.
    expect(header(result.response.headers, 'x-seen-by-response')).toBe('1');
  });

  it('lets other requests through to upstream', async () => {
    plugin = (await startFixture('local-reply')).plugin;
    const up = upstream({ status: 204 });
    const result = await plugin.handle(request({ path: '/allow' }), up);
    expect(up.calls).toHaveLength(1);
    expect(result.localReply).toBeUndefined();
    expect(result.response.status).toBe(204);
    expect(header(result.response.headers, 'x-seen-by-response')).toBe('1');
  });

  it('replaces the upstream response with a reply sent from on_response_headers', async () => {
    plugin = (await startFixture('local-reply')).plugin;
    const result = await plugin.handle(request(), upstream({ status: 500, body: Buffer.from('boom') }));
    expect(result.response.status).toBe(502);
    expect(text(result.response.body)).toBe('replaced');
    expect(result.localReply?.details).toBe('upstream_500_replaced');
    expect(result.upstreamRequest).toBeDefined();
  });
});
