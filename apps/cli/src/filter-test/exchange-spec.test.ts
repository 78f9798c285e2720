import { describe, expect, it } from 'vitest';
import { applyFlags, defaultSpec, parseHeaderFlag, specFromDocument } from './exchange-spec.js';

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

describe('specFromDocument', () => {
  it('reads request, response and expectations, with headers as a mapping or a list', () => {
    const spec = specFromDocument(
      {
        request: { method: 'post', path: '/a', host: 'svc', headers: { 'X-One': '1', multi: ['a', 'b'] }, body: 'hi' },
        response: { status: 201, headers: ['Server: stub', ['x-two', 2]], body: 'done' },
        expect: { status: 201, localReply: false, responseHeaders: { 'X-Added': 'v', gone: null } },
      },
      'f.yaml',
    );
    expect(spec.request).toMatchObject({ method: 'POST', path: '/a', authority: 'svc', headers: [['x-one', '1'], ['multi', 'a'], ['multi', 'b']] });
    expect(text(spec.request.body)).toBe('hi');
    expect(spec.response).toMatchObject({ status: 201, headers: [['server', 'stub'], ['x-two', '2']] });
    expect(text(spec.response.body)).toBe('done');
    expect(spec.expect).toEqual({ status: 201, localReply: false, responseHeaders: { 'x-added': 'v', gone: null } });
  });

  it('keeps the defaults for what the file leaves out', () => {
    const spec = specFromDocument({}, 'f.yaml');
    expect(spec.request).toMatchObject(defaultSpec().request);
    expect(spec.response.status).toBe(200);
    expect(spec.expect).toBeUndefined();
  });

  it.each([
    [{ request: { verb: 'GET' } }, 'request has unknown field "verb"'],
    [{ response: { status: 42 } }, 'response.status must be an HTTP status'],
    [{ request: { headers: 'x' } }, 'request.headers must be a mapping'],
    [{ expect: { localReply: 'yes' } }, 'expect.localReply must be true or false'],
    [[1, 2], 'the file must be a mapping'],
  ])('refuses %j', (doc, message) => {
    expect(() => specFromDocument(doc, 'f.yaml')).toThrow(message);
  });
});

describe('flags', () => {
  it('override the file field by field and add headers', () => {
    const base = specFromDocument({ request: { path: '/file', headers: { a: '1' } }, expect: { status: 200 } }, 'f');
    const spec = applyFlags(base, { method: 'put', header: ['b: 2'], responseStatus: '404', responseHeader: ['c:3'], responseBody: 'nope' });
    expect(spec.request).toMatchObject({ method: 'PUT', path: '/file', headers: [['a', '1'], ['b', '2']] });
    expect(spec.response).toMatchObject({ status: 404, headers: [['content-type', 'text/plain'], ['c', '3']] });
    expect(text(spec.response.body)).toBe('nope');
    expect(spec.expect).toEqual({ status: 200 });
    expect(base.request.headers).toEqual([['a', '1']]);
  });

  it('parse "name: value" headers and refuse anything else', () => {
    expect(parseHeaderFlag('X-Empty:', '--header')).toEqual(['x-empty', '']);
    expect(parseHeaderFlag('a: b: c', '--header')).toEqual(['a', 'b: c']);
    expect(() => parseHeaderFlag('no colon', '--header')).toThrow('is not a header');
    expect(() => parseHeaderFlag(':path: /x', '--header')).toThrow('sets a pseudo-header');
    expect(() => applyFlags(defaultSpec(), { path: 'relative' })).toThrow('must start with /');
  });
});
