// Reading and writing the primitive encodings of the Wasm binary format (LEB128 integers, names,
// byte vectors). Used by the module inspector and the metering rewriter; both work on modules that
// V8 has already validated, so a malformed read is a bug or a feature we do not know, never input
// we silently accept.

export class WasmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmFormatError';
  }
}

export class ByteReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`unexpected end of data at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 up to 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) throw new WasmFormatError(`u32 LEB128 too long at byte ${this.pos}`);
    }
    return result;
  }

  /** Skips a signed or unsigned LEB128 of any width (i32/i64/s33 immediates). */
  skipLeb(): void {
    for (let n = 0; n < 10; n++) if ((this.byte() & 0x80) === 0) return;
    throw new WasmFormatError(`LEB128 too long at byte ${this.pos}`);
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new WasmFormatError(`unexpected end of data at byte ${this.pos}`);
    this.pos += n;
  }

  take(n: number): Uint8Array {
    const start = this.pos;
    this.skip(n);
    return this.bytes.subarray(start, start + n);
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

/** An append-only byte buffer that grows as needed. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    this.reserve(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
    return this;
  }

  u32(value: number): this {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  s32(value: number): this {
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  name(text: string): this {
    const data = new TextEncoder().encode(text);
    return this.u32(data.length).bytes(data);
  }

  /** Writes `content` prefixed by its length, the framing of sections, bodies and subsections. */
  sized(content: Uint8Array): this {
    return this.u32(content.length).bytes(content);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
