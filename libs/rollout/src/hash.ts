// A small, portable, deterministic hash to [0, 1): FNV-1a (64-bit) over the UTF-8 bytes, then the
// MurmurHash3 fmix64 finalizer so that ids differing in one character land far apart. Agents and servers
// (and any future non-TypeScript agent) must compute exactly this; the tests pin known values.

const MASK_64 = (1n << 64n) - 1n;

/** FNV-1a 64 in two 32-bit halves (fast: no BigInt per byte). The prime is 2^40 + 0x1b3. */
function fnv1a64(bytes: Uint8Array): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    const low = lo * 0x1b3; // < 2^41: exact in a double
    const carry = Math.floor(low / 0x1_0000_0000);
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function fmix64(input: bigint): bigint {
  let k = input;
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & MASK_64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK_64;
  k ^= k >> 33n;
  return k;
}

const encoder = new TextEncoder();

/** A number in [0, 1) from the top 53 bits of the mixed hash of `text`. */
export function unitHash(text: string): number {
  const mixed = fmix64(fnv1a64(encoder.encode(text)));
  return Number(mixed >> 11n) / 2 ** 53;
}
