import { describe, expect, it } from 'vitest';
import { formatReference, parseOciReference, parseReference } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['oci://127.0.0.1:5000/filters/add-header:v2', { registry: '127.0.0.1:5000', repository: 'filters/add-header', tag: 'v2' }],
    ['127.0.0.1:5000/filters/add-header:v2', { registry: '127.0.0.1:5000', repository: 'filters/add-header', tag: 'v2' }],
    [`oci://ghcr.io/org/team/filter@${D}`, { registry: 'ghcr.io', repository: 'org/team/filter', digest: D }],
    [`localhost:5000/f:v1@${D}`, { registry: 'localhost:5000', repository: 'f', tag: 'v1', digest: D }],
    ['localhost/f', { registry: 'localhost', repository: 'f', tag: 'latest' }],
    ['[::1]:5000/f:1.0', { registry: '[::1]:5000', repository: 'f', tag: '1.0' }],
    ['docker://istio/proxyv2:1.20', { registry: 'registry-1.docker.io', repository: 'istio/proxyv2', tag: '1.20' }],
    ['nginx', { registry: 'registry-1.docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['Registry.Example.COM/a_b/c.d-e__f:T_1', { registry: 'registry.example.com', repository: 'a_b/c.d-e__f', tag: 'T_1' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual({ kind: 'oci', ...expected });
  });

  it('takes http(s) URLs as module URLs', () => {
    const ref = parseReference('https://example.com/filters/a.wasm?x=1');
    expect(ref.kind).toBe('http');
    expect(ref.kind === 'http' && ref.url.pathname).toBe('/filters/a.wasm');
  });

  it.each([
    ['oci://host:5000/Upper/case', 'lowercase'],
    ['host:5000/repo:bad tag', 'tag'],
    ['host:5000/repo@sha256:xyz', 'not a digest'],
    ['ftp://host/repo', 'unsupported scheme'],
    ['https://user:pw@example.com/a.wasm', 'credentials in the URL'],
    ['host:5000/a//b', 'lowercase path components'],
  ])('refuses %s', (input, why) => {
    expect(() => parseReference(input)).toThrow(expect.objectContaining({ code: 'invalid-reference', message: expect.stringContaining(why) }));
  });

  it('formats back to the canonical form', () => {
    expect(formatReference(parseOciReference('127.0.0.1:5000/a/b'))).toBe('oci://127.0.0.1:5000/a/b:latest');
    expect(formatReference(parseOciReference(`oci://h:1/a@${D}`))).toBe(`oci://h:1/a@${D}`);
  });
});
