// The version_info / system_version_info of a response: a digest of what the client holds, so two streams
// holding the same resources at the same versions report the same version string (on any replica, after
// any restart). Kept up to date on every change rather than recomputed per response: a fan-out sends
// thousands of responses, each changing one name of a stream that holds many.

/**
 * FNV-1a (32-bit) over the UTF-16 code units of `name NUL version`, from a given offset basis, then
 * MurmurHash3's fmix32: without it, entries differing in the last characters give sums that collide.
 */
function entryHash(name: string, version: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h = Math.imul(h, 0x01000193); // the NUL between name and version: names and versions never hold one
  for (let i = 0; i < version.length; i++) h = Math.imul(h ^ version.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BASIS_A = 0x811c9dc5;
const BASIS_B = 0x050c5d1f;

/**
 * Both hashes of each (name, version) met lately: a fan-out gives thousands of streams the same few pairs.
 * Emptied when it reaches MAX_REMEMBERED pairs (versions come and go; it must not grow with them).
 */
const remembered = new Map<string, Map<string, readonly [number, number]>>();
let rememberedPairs = 0;
const MAX_REMEMBERED = 4096;

function entryHashes(name: string, version: string): readonly [number, number] {
  let byVersion = remembered.get(name);
  const known = byVersion?.get(version);
  if (known) return known;
  const hashes = [entryHash(name, version, BASIS_A), entryHash(name, version, BASIS_B)] as const;
  if (rememberedPairs >= MAX_REMEMBERED) {
    remembered.clear();
    rememberedPairs = 0;
    byVersion = undefined;
  }
  if (!byVersion) remembered.set(name, (byVersion = new Map()));
  byVersion.set(version, hashes);
  rememberedPairs += 1;
  return hashes;
}

/** Two hex digits per byte value: every push reports a digest, and Number#toString(16) took 4–5× as long. */
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** An unsigned 32-bit value as 8 hex digits. */
function hex8(value: number): string {
  return HEX_BYTE[value >>> 24]! + HEX_BYTE[(value >>> 16) & 0xff]! + HEX_BYTE[(value >>> 8) & 0xff]! + HEX_BYTE[value & 0xff]!;
}

/**
 * The name → version map of what a client holds, with an order-independent digest of its entries: the sum,
 * modulo 2^32, of two independent hashes of each entry, updated as entries come and go.
 */
export class HeldVersions extends Map<string, string> {
  private sumA = 0;
  private sumB = 0;

  /** Starts empty: Map's constructor would call set() before the sums exist. */
  constructor() {
    super();
  }

  override set(name: string, version: string): this {
    const previous = super.get(name);
    if (previous === version) return this;
    if (previous !== undefined) this.account(name, previous, -1);
    this.account(name, version, 1);
    return super.set(name, version);
  }

  override delete(name: string): boolean {
    const previous = super.get(name);
    if (previous === undefined) return false;
    this.account(name, previous, -1);
    return super.delete(name);
  }

  override clear(): void {
    this.sumA = this.sumB = 0;
    super.clear();
  }

  /** 16 hex digits; equal for equal contents. */
  digest(): string {
    return hex8(this.sumA) + hex8(this.sumB);
  }

  private account(name: string, version: string, sign: 1 | -1): void {
    const hashes = entryHashes(name, version); // indexed, not destructured: no iterator per call
    this.sumA = (this.sumA + sign * hashes[0]) >>> 0;
    this.sumB = (this.sumB + sign * hashes[1]) >>> 0;
  }
}
