// Access to the filter's linear memory from host functions. Views are rebuilt when the memory grows
// (growth detaches the old ArrayBuffer). Data handed to the filter is written into memory the filter
// allocates itself (malloc / proxy_on_memory_allocate), and the (pointer, size) pair is stored at the
// out-pointers it passed, as every proxy-wasm host does.

import type { HeaderPairs } from './pairs-codec.js';
import { pairsByteLength, writePairs } from './pairs-codec.js';

/** A pointer outside linear memory; host functions answer INVALID_MEMORY_ACCESS. */
export class GuestMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestMemoryError';
  }
}

const utf8 = new TextDecoder();

/** latin1 strings up to this length are remembered by address (see GuestMemory.latin1), in this many slots. */
const RECENT_MAX_LENGTH = 64;
const RECENT_SLOTS = 64;

/** Whether `text` (latin1: one char code per byte) is what `buf` holds at `ptr`. */
function holds(buf: Buffer, ptr: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (buf[ptr + i] !== text.charCodeAt(i)) return false;
  return true;
}

export class GuestMemory {
  private memory?: WebAssembly.Memory;
  private allocate?: (size: number) => number;
  private buf = Buffer.alloc(0);
  /**
   * Short latin1 strings decoded lately, one per slot, the slot chosen by address: filters hand over the
   * same header names and values from the same place on every request, and comparing the bytes costs far
   * less than decoding them again.
   */
  private readonly recentPtr = new Int32Array(RECENT_SLOTS).fill(-1);
  private readonly recentText: string[] = new Array<string>(RECENT_SLOTS).fill('');

  attach(memory: WebAssembly.Memory, allocate: (size: number) => number): void {
    this.memory = memory;
    this.allocate = allocate;
  }

  /** The size of linear memory in bytes (0 before a memory is attached). */
  get byteLength(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  /**
   * A Buffer over the whole memory, current after any growth. Growth detaches the old ArrayBuffer, and a
   * view of a detached buffer has length 0: only then is `memory.buffer` (a costly getter) read again.
   */
  private view(): Buffer {
    if (this.buf.length === 0) {
      const current = this.memory?.buffer;
      if (!current) throw new GuestMemoryError('the module has no memory attached yet');
      this.buf = Buffer.from(current);
    }
    return this.buf;
  }

  private check(ptr: number, len: number): Buffer {
    const buf = this.view();
    if (ptr < 0 || len < 0 || ptr + len > buf.length) {
      throw new GuestMemoryError(`range [${ptr}, ${ptr + len}) is outside the ${buf.length}-byte memory`);
    }
    return buf;
  }

  /** A copy of guest bytes (safe to keep after the callback). */
  bytes(ptr: number, len: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.check(ptr, len), ptr, ptr + len);
  }

  /** A view of guest bytes, valid until the next call into the module. */
  peek(ptr: number, len: number): Uint8Array {
    return this.check(ptr, len).subarray(ptr, ptr + len);
  }

  utf8(ptr: number, len: number): string {
    return len === 0 ? '' : utf8.decode(this.peek(ptr, len));
  }

  latin1(ptr: number, len: number): string {
    const buf = this.check(ptr, len);
    if (len > RECENT_MAX_LENGTH) return buf.toString('latin1', ptr, ptr + len);
    const slot = (ptr ^ (ptr >>> 6)) & (RECENT_SLOTS - 1);
    const known = this.recentText[slot]!;
    if (this.recentPtr[slot] === ptr && known.length === len && holds(buf, ptr, known)) return known;
    const text = buf.toString('latin1', ptr, ptr + len);
    this.recentPtr[slot] = ptr;
    this.recentText[slot] = text;
    return text;
  }

  u32(ptr: number): number {
    return this.check(ptr, 4).readUInt32LE(ptr);
  }

  setU32(ptr: number, value: number): void {
    this.check(ptr, 4).writeUInt32LE(value >>> 0, ptr);
  }

  setU64(ptr: number, value: bigint): void {
    this.check(ptr, 8).writeBigUInt64LE(BigInt.asUintN(64, value), ptr);
  }

  write(ptr: number, data: Uint8Array): void {
    this.check(ptr, data.length).set(data, ptr);
  }

  private alloc(size: number): number {
    if (!this.allocate) throw new GuestMemoryError('the module has no allocator attached yet');
    const ptr = this.allocate(size) >>> 0;
    if (ptr === 0) throw new GuestMemoryError(`the module's allocator returned NULL for ${size} bytes`);
    return ptr;
  }

  /** Copies `data` into fresh guest memory and stores (pointer, size); empty data gives (0, 0) like Envoy. */
  give(data: Uint8Array, ptrPtr: number, sizePtr: number): void {
    let ptr = 0;
    if (data.length > 0) {
      ptr = this.alloc(data.length);
      this.write(ptr, data);
    }
    this.setU32(ptrPtr, ptr);
    this.setU32(sizePtr, data.length);
  }

  giveLatin1(text: string, ptrPtr: number, sizePtr: number): void {
    let ptr = 0;
    if (text.length > 0) {
      ptr = this.alloc(text.length);
      this.check(ptr, text.length).write(text, ptr, 'latin1');
    }
    this.setU32(ptrPtr, ptr);
    this.setU32(sizePtr, text.length);
  }

  givePairs(pairs: HeaderPairs, ptrPtr: number, sizePtr: number): void {
    if (pairs.length === 0) return this.give(new Uint8Array(0), ptrPtr, sizePtr);
    const size = pairsByteLength(pairs);
    const ptr = this.alloc(size);
    writePairs(pairs, this.check(ptr, size).subarray(ptr, ptr + size));
    this.setU32(ptrPtr, ptr);
    this.setU32(sizePtr, size);
  }
}
