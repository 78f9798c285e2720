// Hand-written protobuf encoders for the two messages a control plane writes to every stream on every push
// (DiscoveryResponse, DeltaDiscoveryResponse). A pushed resource is the same bytes for thousands of streams,
// so its encoded field is built once per resource object (WeakMap) and only copied afterwards; the generic
// protobufjs path re-encoded it per stream. Field numbers: envoy/service/discovery/v3/discovery.proto.
import protobuf from 'protobufjs';
import type { AnyMessage, DeltaResource, DeltaResponse, SotwResponse } from '@wasmfleet/xds';

const { Writer } = protobuf;

// Tags: (field number << 3) | wire type 2 (length-delimited).
const TAG = { f1: 10, f2: 18, f3: 26, f4: 34, f5: 42, f6: 50 } as const;

/** google.protobuf.Any{type_url = 1, value = 2}, encoded once per AnyMessage object. */
const anyBytes = new WeakMap<AnyMessage, Uint8Array>();
function encodedAny(any: AnyMessage): Uint8Array {
  let bytes = anyBytes.get(any);
  if (!bytes) {
    bytes = Writer.create().uint32(TAG.f1).string(any.typeUrl).uint32(TAG.f2).bytes(any.value).finish();
    anyBytes.set(any, bytes);
  }
  return bytes;
}

/** Resource{version = 1, resource = 2, name = 3}, cached per Any when name and version match. */
const resourceBytes = new WeakMap<AnyMessage, { name: string; version: string; bytes: Uint8Array }>();
function encodedResource(r: DeltaResource): Uint8Array {
  const hit = resourceBytes.get(r.resource);
  if (hit && hit.name === r.name && hit.version === r.version) return hit.bytes;
  const bytes = Writer.create().uint32(TAG.f1).string(r.version).uint32(TAG.f2).bytes(encodedAny(r.resource)).uint32(TAG.f3).string(r.name).finish();
  resourceBytes.set(r.resource, { name: r.name, version: r.version, bytes });
  return bytes;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** DiscoveryResponse{version_info = 1, resources = 2, type_url = 4, nonce = 5}. */
export function encodeSotwResponseFast(res: SotwResponse): Buffer {
  const w = Writer.create();
  if (res.versionInfo) w.uint32(TAG.f1).string(res.versionInfo);
  for (const any of res.resources) w.uint32(TAG.f2).bytes(encodedAny(any));
  if (res.typeUrl) w.uint32(TAG.f4).string(res.typeUrl);
  if (res.nonce) w.uint32(TAG.f5).string(res.nonce);
  return toBuffer(w.finish());
}

/** DeltaDiscoveryResponse{system_version_info = 1, resources = 2, type_url = 4, nonce = 5, removed_resources = 6}. */
export function encodeDeltaResponseFast(res: DeltaResponse): Buffer {
  const w = Writer.create();
  if (res.systemVersionInfo) w.uint32(TAG.f1).string(res.systemVersionInfo);
  for (const r of res.resources) w.uint32(TAG.f2).bytes(encodedResource(r));
  if (res.typeUrl) w.uint32(TAG.f4).string(res.typeUrl);
  if (res.nonce) w.uint32(TAG.f5).string(res.nonce);
  for (const name of res.removedResources) w.uint32(TAG.f6).string(name);
  return toBuffer(w.finish());
}
