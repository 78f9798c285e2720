// Hand-written protobuf encoders for the two messages a control plane writes to every stream on every push
// (DiscoveryResponse, DeltaDiscoveryResponse). A pushed resource is the same bytes for thousands of streams,
// so its encoded field is built once per resource object (WeakMap) and only copied afterwards; the generic
// protobufjs path re-encoded it per stream. Field numbers: envoy/service/discovery/v3/discovery.proto.
import type { AnyMessage, DeltaResource, DeltaResponse, SotwResponse } from '@wasmfleet/xds';

// Tags: (field number << 3) | wire type 2 (length-delimited).
const TAG = { f1: 10, f2: 18, f3: 26, f4: 34, f5: 42, f6: 50 } as const;

/** google.protobuf.Any{type_url = 1, value = 2}, encoded once per AnyMessage object. */
const anyBytes = new WeakMap<AnyMessage, Uint8Array>();
function encodedAny(any: AnyMessage): Uint8Array {
  let bytes = anyBytes.get(any);
  if (!bytes) {
    bytes = new FieldList().add(TAG.f1, any.typeUrl).add(TAG.f2, any.value).finish();
    anyBytes.set(any, bytes);
  }
  return bytes;
}

/** Resource{version = 1, resource = 2, name = 3}, cached per Any when name and version match. */
const resourceBytes = new WeakMap<AnyMessage, { name: string; version: string; bytes: Uint8Array }>();
function encodedResource(r: DeltaResource): Uint8Array {
  const hit = resourceBytes.get(r.resource);
  if (hit && hit.name === r.name && hit.version === r.version) return hit.bytes;
  const bytes = new FieldList().add(TAG.f1, r.version).add(TAG.f2, encodedAny(r.resource)).add(TAG.f3, r.name).finish();
  resourceBytes.set(r.resource, { name: r.name, version: r.version, bytes });
  return bytes;
}

/**
 * A message of length-delimited fields, assembled by hand: sized first, then written into one buffer (no
 * per-field writer operations). Responses wrap resource bytes that are already encoded, and the type URL's
 * bytes (the same on every response) are encoded once.
 */
class FieldList {
  private readonly parts: Array<[tag: number, value: string | Uint8Array]> = [];
  private size = 0;

  add(tag: number, value: string | Uint8Array): this {
    const length = typeof value === 'string' ? utf8Length(value) : value.length;
    this.size += 1 + varintLength(length) + length;
    this.parts.push([tag, value]);
    return this;
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    let pos = 0;
    for (const [tag, value] of this.parts) {
      out[pos++] = tag;
      if (typeof value === 'string' && isAscii(value)) {
        pos = writeVarint(out, pos, value.length);
        for (let i = 0; i < value.length; i++) out[pos++] = value.charCodeAt(i);
      } else {
        const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
        pos = writeVarint(out, pos, bytes.length);
        out.set(bytes, pos);
        pos += bytes.length;
      }
    }
    return out;
  }
}

const typeUrlBytes = new Map<string, Uint8Array>();
function encodedTypeUrl(typeUrl: string): Uint8Array {
  let bytes = typeUrlBytes.get(typeUrl);
  if (!bytes) typeUrlBytes.set(typeUrl, (bytes = Buffer.from(typeUrl, 'utf8')));
  return bytes;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

const utf8Length = (text: string) => (isAscii(text) ? text.length : Buffer.byteLength(text, 'utf8'));

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[pos++] = value;
  return pos;
}

/** DiscoveryResponse{version_info = 1, resources = 2, type_url = 4, nonce = 5}. */
export function encodeSotwResponseFast(res: SotwResponse): Buffer {
  const f = new FieldList();
  if (res.versionInfo) f.add(TAG.f1, res.versionInfo);
  for (const any of res.resources) f.add(TAG.f2, encodedAny(any));
  if (res.typeUrl) f.add(TAG.f4, encodedTypeUrl(res.typeUrl));
  if (res.nonce) f.add(TAG.f5, res.nonce);
  return f.finish();
}

/** DeltaDiscoveryResponse{system_version_info = 1, resources = 2, type_url = 4, nonce = 5, removed_resources = 6}. */
export function encodeDeltaResponseFast(res: DeltaResponse): Buffer {
  const f = new FieldList();
  if (res.systemVersionInfo) f.add(TAG.f1, res.systemVersionInfo);
  for (const r of res.resources) f.add(TAG.f2, encodedResource(r));
  if (res.typeUrl) f.add(TAG.f4, encodedTypeUrl(res.typeUrl));
  if (res.nonce) f.add(TAG.f5, res.nonce);
  for (const name of res.removedResources) f.add(TAG.f6, name);
  return f.finish();
}
