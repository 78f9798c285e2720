import { describe, expect, it } from 'vitest';
import { unitHash } from './hash.js';

/** The definition, spelled out with BigInt: FNV-1a 64 over UTF-8, fmix64, top 53 bits / 2^53. */
function referenceUnitHash(text: string): number {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & mask;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & mask;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & mask;
  h ^= h >> 33n;
  return Number(h >> 11n) / 2 ** 53;
}

describe('unitHash', () => {
  it('equals the BigInt definition on ASCII and non-ASCII text', () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const texts = ['', 'a', 'ns/r#1/c-0001.shop.web-0', 'ünïcode/☃', '𝄞 surrogate pair'];
    for (let i = 0; i < 5000; i++) {
      const length = next() % 40;
      let text = '';
      for (let j = 0; j < length; j++) text += String.fromCharCode(i % 10 === 0 ? 0x20 + (next() % 0x500) : 0x20 + (next() % 0x5f));
      texts.push(text);
    }
    for (const text of texts) expect(unitHash(text), text).toBe(referenceUnitHash(text));
  });
});
