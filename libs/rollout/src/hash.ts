// A small, portable, deterministic hash to [0, 1): FNV-1a (64-bit) over the UTF-8 bytes, then the
// MurmurHash3 fmix64 finalizer so that ids differing in one character land far apart. Agents and servers
// (and any future non-TypeScript agent) must compute exactly this; the tests pin known values and check it
// against a BigInt definition.
//
// 64-bit arithmetic in two unsigned 32-bit halves, all in local variables of one function: the server ranks
// every watching proxy on each new revision, and helpers returning [hi, lo] pairs made it 3–4× slower.

const encoder = new TextEncoder();

/** `text` as a string whose code units are its UTF-8 bytes (ids and seeds are ASCII in practice: itself). */
function utf8Units(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 0x7f) continue;
    let units = '';
    for (const byte of encoder.encode(text)) units += String.fromCharCode(byte);
    return units;
  }
  return text;
}

/** The fmix64 multipliers, high and low halves. */
const MIX = [0xff51afd7, 0xed558ccd, 0xc4ceb9fe, 0x1a85ec53] as const;

/** A number in [0, 1) from the top 53 bits of the mixed hash of `text`. */
export function unitHash(text: string): number {
  const bytes = utf8Units(text);
  // FNV-1a 64; the prime is 2^40 + 0x1b3.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes.charCodeAt(i)) >>> 0;
    const low = lo * 0x1b3; // < 2^41: exact in a double
    hi = (Math.imul(hi, 0x1b3) + Math.floor(low / 0x1_0000_0000) + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  // fmix64: k ^= k >> 33; k *= c1; k ^= k >> 33; k *= c2; k ^= k >> 33 (products modulo 2^64, 16-bit limbs for the low one).
  for (let m = 0; m < 4; m += 2) {
    lo = (lo ^ (hi >>> 1)) >>> 0;
    const chi = MIX[m]!;
    const clo = MIX[m + 1]!;
    const a0 = lo & 0xffff;
    const a1 = lo >>> 16;
    const b0 = clo & 0xffff;
    const b1 = clo >>> 16;
    const p00 = a0 * b0;
    const p01 = a0 * b1;
    const p10 = a1 * b0;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const high = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
    hi = (high + Math.imul(hi, clo) + Math.imul(lo, chi)) >>> 0;
    lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  }
  lo = (lo ^ (hi >>> 1)) >>> 0;
  return (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53;
}
