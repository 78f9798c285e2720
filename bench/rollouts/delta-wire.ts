// The load client's lean wire format: it simulates thousands of Envoys in one process, so its own cost per
// response inflates every latency it records. It reads only what it needs from a DeltaDiscoveryResponse
// (each resource's name and version, removals, nonce; the Any payloads are skipped) and writes ACKs from
// pre-encoded bytes. checkAgainst() compares both with protobufjs at start-up.
// Field numbers: envoy/service/discovery/v3/discovery.proto.

export interface DeltaResponseView {
  resources: Array<{ name: string; version: string }>;
  removed: string[];
  nonce: string;
}

const LEN = 2;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }

  string(): string {
    const n = this.varint();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === LEN) {
      const n = this.varint(); // read before pos: `pos += varint()` would add to the old pos
      this.pos += n;
    }
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

/** Resource{version = 1, resource = 2, name = 3}: name and version only. */
function readResource(r: Reader, end: number): { name: string; version: string } {
  let name = '';
  let version = '';
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((1 << 3) | LEN)) version = r.string();
    else if (tag === ((3 << 3) | LEN)) name = r.string();
    else r.skip(tag & 7);
  }
  return { name, version };
}

/** DeltaDiscoveryResponse{resources = 2, nonce = 5, removed_resources = 6}; the other fields are skipped. */
export function readDeltaResponse(buf: Buffer): DeltaResponseView {
  const r = new Reader(buf);
  const out: DeltaResponseView = { resources: [], removed: [], nonce: '' };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === ((2 << 3) | LEN)) {
      const end = r.varint() + r.pos;
      out.resources.push(readResource(r, end));
      r.pos = end;
    } else if (tag === ((5 << 3) | LEN)) out.nonce = r.string();
    else if (tag === ((6 << 3) | LEN)) out.removed.push(r.string());
    else r.skip(tag & 7);
  }
  return out;
}

function lengthDelimited(field: number, bytes: Buffer): Buffer {
  const length: number[] = [];
  for (let n = bytes.length; ; n = Math.floor(n / 0x80)) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(field << 3) | LEN, ...length]), bytes]);
}

/** DeltaDiscoveryRequest{type_url = 2, response_nonce = 6}: an ACK. */
export function ackEncoder(typeUrl: string): (nonce: string) => Buffer {
  const head = lengthDelimited(2, Buffer.from(typeUrl, 'utf8'));
  return (nonce) => Buffer.concat([head, lengthDelimited(6, Buffer.from(nonce, 'utf8'))]);
}

/** Throws unless the lean reader and writer agree with protobufjs on a sample of each. */
export function checkAgainst(
  encodeResponse: (obj: object) => Uint8Array,
  decodeRequest: (buf: Uint8Array) => { type_url?: string; response_nonce?: string },
  typeUrl: string,
): void {
  const sample = {
    system_version_info: 'd1',
    resources: [
      { name: 'slot-ä', version: 'r1.abc', resource: { type_url: typeUrl, value: Buffer.alloc(300, 1) } },
      { name: 'slot-b', version: 'r2', aliases: ['x'], resource: { type_url: typeUrl, value: Buffer.alloc(2, 2) } },
    ],
    type_url: typeUrl,
    nonce: '12345',
    removed_resources: ['gone', 'gone-too'],
  };
  const view = readDeltaResponse(Buffer.from(encodeResponse(sample)));
  const want = { resources: [{ name: 'slot-ä', version: 'r1.abc' }, { name: 'slot-b', version: 'r2' }], removed: ['gone', 'gone-too'], nonce: '12345' };
  if (JSON.stringify(view) !== JSON.stringify(want)) throw new Error(`lean response reader disagrees with protobufjs: ${JSON.stringify(view)}`);
  const ack = decodeRequest(ackEncoder(typeUrl)('987654321'));
  if (ack.type_url !== typeUrl || ack.response_nonce !== '987654321') throw new Error(`lean ACK writer disagrees with protobufjs: ${JSON.stringify(ack)}`);
}
