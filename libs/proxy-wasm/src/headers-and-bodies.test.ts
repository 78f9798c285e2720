import { afterEach, describe, expect, it } from 'vitest';
import { header, request, startFixture, text, upstream } from '../test-support/exchange-helpers.js';
import type { FilterPlugin } from './filter-plugin.js';

describe('header maps and bodies (headers.c, ABI 0.2.1)', () => {
  let plugin: FilterPlugin;
  afterEach(() => plugin?.close());

  it('reads the request through the pairs format, with pseudo-headers first', async () => {
    const started = await startFixture('headers');
    plugin = started.plugin;
    const result = await plugin.handle(request({ method: 'PUT', path: '/p?q=1', headers: [['x-one', '1'], ['x-two', 'two']] }), upstream());
    expect(result.logs.map((l) => l.message)).toEqual([
      ':authority=example.test',
      ':path=/p?q=1',
      ':method=PUT',
      ':scheme=http',
      'x-one=1',
      'x-two=two',
    ]);
    expect(header(result.upstreamRequest?.headers, 'x-pairs-count')).toBe('6');
    expect(header(result.upstreamRequest?.headers, 'x-callback-headers')).toBe('6');
  });

  it('adds, replaces, removes and reads headers; pseudo-headers map back to the request', async () => {
    plugin = (await startFixture('headers')).plugin;
    const up = upstream();
    const result = await plugin.handle(
      request({
        headers: [['x-replace', 'old'], ['x-replace', 'older'], ['x-remove', 'a'], ['X-Remove', 'b'], ['x-read', 'hello'], ['x-rewrite-path', '/rewritten']],
      }),
      up,
    );
    const sent = up.calls[0]!;
    expect(result.upstreamRequest).toEqual(sent);
    expect(sent.path).toBe('/rewritten');
    expect(sent.method).toBe('GET');
    expect(sent.headers.filter(([k]) => k === 'x-replace')).toEqual([['x-replace', 'new']]);
    expect(header(sent.headers, 'x-remove')).toBeUndefined();
    expect(header(sent.headers, 'x-added')).toBe('yes');
    expect(header(sent.headers, 'x-read-copy')).toBe('hello');
    expect(header(sent.headers, 'x-missing-status')).toBe('not-found');
    expect(sent.headers.some(([k]) => k.startsWith(':'))).toBe(false);
  });

  it('passes end_of_stream: true on headers only when there is no body', async () => {
    plugin = (await startFixture('headers')).plugin;
    const noBody = await plugin.handle(request(), upstream());
    expect(header(noBody.upstreamRequest?.headers, 'x-eos')).toBe('1');
    const withBody = await plugin.handle(request({ method: 'POST', body: Buffer.from('x') }), upstream());
    expect(header(withBody.upstreamRequest?.headers, 'x-eos')).toBe('0');
    expect(header(withBody.upstreamRequest?.headers, 'x-body-eos')).toBe('1');
  });

  it('rewrites the request body and keeps content-length true to it', async () => {
    plugin = (await startFixture('headers')).plugin;
    const up = upstream();
    await plugin.handle(request({ method: 'POST', headers: [['content-length', '5']], body: Buffer.from('hello') }), up);
    expect(text(up.calls[0]!.body)).toBe('[hello]');
    expect(header(up.calls[0]!.headers, 'content-length')).toBe('7');
  });

  it('edits the response: headers, :status and body', async () => {
    plugin = (await startFixture('headers')).plugin;
    const result = await plugin.handle(
      request(),
      upstream({ status: 200, headers: [['x-set-status', '207'], ['content-length', '5']], body: Buffer.from('hello') }),
    );
    expect(result.response.status).toBe(207);
    expect(header(result.response.headers, 'x-response-added')).toBe('1');
    expect(header(result.response.headers, 'x-seen-status')).toBe('207');
    expect(header(result.response.headers, ':status')).toBeUndefined();
    expect(text(result.response.body)).toBe('HELLO');
    expect(result.localReply).toBeUndefined();
  });
});
