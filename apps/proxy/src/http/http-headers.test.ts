import { describe, expect, it } from 'vitest';
import { downstreamRawHeaders, requestHeaders, responseHeaders, upstreamRawHeaders } from './http-headers.js';

describe('data path header conversions', () => {
  it('reads a request: lower-cased end-to-end pairs, the first Host, and whether a body follows', () => {
    const raw = ['Host', 'a.test', 'X-Id', '1', 'Connection', 'close', 'host', 'b.test', 'Accept', '*/*'];
    expect(requestHeaders(raw)).toEqual({ pairs: [['x-id', '1'], ['accept', '*/*']], host: 'a.test', hasBody: false });
    expect(requestHeaders(['Content-Length', '0']).hasBody).toBe(false);
    expect(requestHeaders(['Content-Length', '3']).hasBody).toBe(true);
    expect(requestHeaders(['Transfer-Encoding', 'chunked'])).toEqual({ pairs: [], host: undefined, hasBody: true });
  });

  it('reads a response without its hop-by-hop headers', () => {
    expect(responseHeaders(['Content-Type', 'text/plain', 'Keep-Alive', 'timeout=5', 'Content-Length', '2'])).toEqual([
      ['content-type', 'text/plain'],
      ['content-length', '2'],
    ]);
  });

  it('writes the upstream request with Host last, and the client response with a true content-length', () => {
    expect(upstreamRawHeaders([['x-id', '1']], 'svc')).toEqual(['x-id', '1', 'host', 'svc']);
    const pairs: [string, string][] = [[':status', '200'], ['content-length', '99'], ['connection', 'close'], ['x-a', 'b']];
    expect(downstreamRawHeaders(pairs, 2)).toEqual(['x-a', 'b', 'content-length', '2']);
  });
});
