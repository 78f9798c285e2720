// A small, portable, deterministic hash to [0, 1): FNV-1a (64-bit) over the UTF-8 bytes, then the
// MurmurHash3 fmix64 finalizer so that ids differing in one character land far apart. Agents and servers
// (and any future non-TypeScript agent) must compute exactly this; the tests pin known values.

/** FNV-1a 64 in two 32-bit halves (fast: no BigInt per byte). The prime is 2^40 + 0x1b3. */
function fnv1a64(text: string): [hi: number, lo: number] {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const step = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    const low = lo * 0x1b3; // < 2^41: exact in a double
    const carry = Math.floor(low / 0x1_0000_0000);
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  };
  // Ids and seeds are ASCII in practice, whose UTF-8 bytes are the code units: no encoder needed.
  if (isAscii(text)) for (let i = 0; i < text.length; i++) step(text.charCodeAt(i));
  else for (const byte of encoder.encode(text)) step(byte);
  return [hi, lo];
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** (hi, lo) × (chi, clo) modulo 2^64, in 32-bit halves (16-bit limbs for the low product). */
function mul64(hi: number, lo: number, chi: number, clo: number): [hi: number, lo: number] {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = clo & 0xffff;
  const b1 = clo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const low = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const high = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  return [(high + Math.imul(hi, clo) + Math.imul(lo, chi)) >>> 0, low];
}

/** MurmurHash3's fmix64 finalizer. */
function fmix64(input: [hi: number, lo: number]): [hi: number, lo: number] {
  let [hi, lo] = input;
  lo = (lo ^ (hi >>> 1)) >>> 0; // k ^= k >> 33
  [hi, lo] = mul64(hi, lo, 0xff51afd7, 0xed558ccd);
  lo = (lo ^ (hi >>> 1)) >>> 0;
  [hi, lo] = mul64(hi, lo, 0xc4ceb9fe, 0x1a85ec53);
  lo = (lo ^ (hi >>> 1)) >>> 0;
  return [hi, lo];
}

const encoder = new TextEncoder();

/** A number in [0, 1) from the top 53 bits of the mixed hash of `text`. */
export function unitHash(text: string): number {
  const [hi, lo] = fmix64(fnv1a64(text));
  return (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53;
}
