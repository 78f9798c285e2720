// A tiny ustar reader and writer: enough for the compat Wasm image format, whose layer is a tar(.gz) holding
// `plugin.wasm`. Reads ustar, GNU and pax archives (long names via pax `path` and GNU `L` records);
// writes deterministic archives (mtime 0, root owner) so the same module always makes the same layer digest.
import { OciError } from './errors.js';

export interface TarEntry {
  name: string;
  /** '0' regular file, '5' directory, '2' symlink, … (NUL is read as '0') */
  type: string;
  size: number;
  data: Buffer;
}

const BLOCK = 512;

function corrupt(why: string): OciError {
  return new OciError('not-wasm', `the layer is not a readable tar archive (${why}): a compat image layer must be a tar+gzip holding plugin.wasm`);
}

function readString(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end >= 0 ? end : raw.length).toString('utf8');
}

function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0]! & 0x80) {
    // GNU base-256 for sizes over 8 GiB: big-endian, first byte's high bit is the marker
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = readString(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw corrupt(`bad octal number "${text}"`);
  return parseInt(text, 8);
}

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

/** Parses pax extended header records ("<len> key=value\n"). */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!(len > 0)) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Every entry of an uncompressed tar archive, with file data. */
export function* readTar(archive: Buffer): Generator<TarEntry> {
  let pos = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (pos + BLOCK <= archive.length) {
    const header = archive.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) return; // end-of-archive marker
    const stored = readNumber(header, 148, 8);
    if (stored !== checksumOf(header)) throw corrupt(`header checksum mismatch at byte ${pos}`);
    const size = readNumber(header, 124, 12);
    const type = String.fromCharCode(header[156]! || 0x30);
    const dataStart = pos + BLOCK;
    if (dataStart + size > archive.length) throw corrupt(`entry at byte ${pos} runs past the end`);
    const data = archive.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = { ...pax, ...parsePax(data) };
      continue;
    }
    if (type === 'g') continue; // global pax header: nothing we need
    let name = readString(header, 0, 100);
    const magic = readString(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? readString(header, 345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
    name = pax.path ?? longName ?? name;
    const realSize = pax.size !== undefined ? Number(pax.size) : size;
    longName = undefined;
    pax = {};
    yield { name, type, size: realSize, data };
  }
}

/** `./plugin.wasm`, `/plugin.wasm` and `plugin.wasm` name the same file. */
export function normalizeTarPath(name: string): string {
  return name.replace(/^(\.?\/)+/, '');
}

export interface TarFile {
  name: string;
  data: Buffer;
  /** default 0o644 */
  mode?: number;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

/** A deterministic ustar archive of regular files (names up to 100 bytes). */
export function writeTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (Buffer.byteLength(f.name) > 100) throw new Error(`tar name "${f.name}" is longer than 100 bytes`);
    const header = Buffer.alloc(BLOCK);
    header.write(f.name, 0, 100, 'utf8');
    writeOctal(header, 100, 8, f.mode ?? 0o644);
    writeOctal(header, 108, 8, 0); // uid
    writeOctal(header, 116, 8, 0); // gid
    writeOctal(header, 124, 12, f.data.length);
    writeOctal(header, 136, 12, 0); // mtime
    header[156] = 0x30; // regular file
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    header.write(checksumOf(header).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    parts.push(header, f.data, Buffer.alloc((BLOCK - (f.data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
