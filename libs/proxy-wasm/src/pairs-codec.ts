// The proxy-wasm "pairs" wire format for header maps (little-endian):
//   u32 count | count × (u32 key_len, u32 value_len) | count × (key, 0x00, value, 0x00)
// Header names and values are handled as latin1 strings, like Node's HTTP parser, so every byte
// round-trips unchanged.

export type HeaderPairs = [string, string][];

export class PairsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PairsFormatError';
  }
}

export function pairsByteLength(pairs: HeaderPairs): number {
  let size = 4 + pairs.length * 8;
  for (const [k, v] of pairs) size += k.length + v.length + 2;
  return size;
}

/** Writes `pairs` into `target` (which must hold pairsByteLength(pairs) bytes). */
export function writePairs(pairs: HeaderPairs, target: Buffer): void {
  target.writeUInt32LE(pairs.length, 0);
  let lens = 4;
  let data = 4 + pairs.length * 8;
  for (const [k, v] of pairs) {
    target.writeUInt32LE(k.length, lens);
    target.writeUInt32LE(v.length, lens + 4);
    lens += 8;
    if (k.length > 0) data += target.write(k, data, 'latin1');
    target[data++] = 0;
    if (v.length > 0) data += target.write(v, data, 'latin1');
    target[data++] = 0;
  }
}

export function encodePairs(pairs: HeaderPairs): Uint8Array {
  const out = Buffer.alloc(pairsByteLength(pairs));
  writePairs(pairs, out);
  return out;
}

export function decodePairs(bytes: Uint8Array): HeaderPairs {
  if (bytes.length === 0) return [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new PairsFormatError(`pairs data of ${buf.length} bytes is shorter than its count`);
  const count = buf.readUInt32LE(0);
  let data = 4 + count * 8;
  if (data > buf.length) throw new PairsFormatError(`pairs data claims ${count} entries but has ${buf.length} bytes`);
  const out: HeaderPairs = [];
  for (let i = 0; i < count; i++) {
    const kLen = buf.readUInt32LE(4 + i * 8);
    const vLen = buf.readUInt32LE(8 + i * 8);
    if (data + kLen + vLen + 2 > buf.length) throw new PairsFormatError(`pair ${i} runs past the end of the data`);
    const key = buf.toString('latin1', data, data + kLen);
    data += kLen + 1;
    const value = buf.toString('latin1', data, data + vLen);
    data += vLen + 1;
    out.push([key, value]);
  }
  return out;
}
