import { describe, expect, it } from 'vitest';
import { HeaderMap } from './header-map.js';
import { decodePairs, encodePairs, PairsFormatError } from './pairs-codec.js';

describe('pairs wire format', () => {
  it('encodes count, lengths, then NUL-terminated keys and values (little-endian)', () => {
    const bytes = encodePairs([['a', 'bc'], ['', 'd']]);
    expect(Array.from(bytes)).toEqual([
      2, 0, 0, 0,
      1, 0, 0, 0, 2, 0, 0, 0,
      0, 0, 0, 0, 1, 0, 0, 0,
      0x61, 0, 0x62, 0x63, 0,
      0, 0x64, 0,
    ]);
  });

  it('round-trips every byte value through latin1 strings', () => {
    const value = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i).filter((i) => i !== 0));
    expect(decodePairs(encodePairs([['x-bytes', value]]))).toEqual([['x-bytes', value]]);
  });

  it('reads empty input as no pairs and refuses truncated input', () => {
    expect(decodePairs(new Uint8Array(0))).toEqual([]);
    const bytes = encodePairs([['key', 'value']]);
    expect(() => decodePairs(bytes.subarray(0, bytes.length - 2))).toThrow(PairsFormatError);
    expect(() => decodePairs(Uint8Array.of(9, 0, 0, 0))).toThrow('claims 9 entries');
  });
});

describe('HeaderMap (Envoy semantics)', () => {
  it('gets the first value case-insensitively', () => {
    const map = new HeaderMap([['x-a', '1'], ['x-a', '2']]);
    expect(map.get('X-A')).toBe('1');
    expect(map.get('x-b')).toBeUndefined();
  });

  it('replace overwrites the first entry in place and drops the rest; adds when absent', () => {
    const map = new HeaderMap([['x-a', '1'], ['x-b', 'b'], ['x-a', '2']]);
    map.replace('X-A', 'new');
    map.replace('x-c', 'c');
    expect(map.entries).toEqual([['x-a', 'new'], ['x-b', 'b'], ['x-c', 'c']]);
  });

  it('add appends lower-cased, remove drops every entry, byteSize counts names and values', () => {
    const map = new HeaderMap([['x-a', '1']]);
    map.add('X-A', '22');
    expect(map.entries).toEqual([['x-a', '1'], ['x-a', '22']]);
    expect(map.byteSize()).toBe(9);
    map.remove('x-A');
    expect(map.entries).toEqual([]);
    expect(map.version).toBe(2);
  });
});
