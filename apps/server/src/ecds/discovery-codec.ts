// Wire codec between Envoy's discovery messages and the plain messages of libs/xds.
// Requests that do not decode become MalformedRequest values, so the adapter can answer
// INVALID_ARGUMENT instead of grpc-js' generic INTERNAL.
import { lookupType } from '@wasmfleet/envoy';
import type { DeltaRequest, DeltaResponse, ErrorDetail, NodeInfo, SotwRequest, SotwResponse } from '@wasmfleet/xds';

const types = {
  request: () => lookupType('envoy.service.discovery.v3.DiscoveryRequest'),
  response: () => lookupType('envoy.service.discovery.v3.DiscoveryResponse'),
  deltaRequest: () => lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
  deltaResponse: () => lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
};

export class MalformedRequest {
  constructor(readonly reason: string) {}
}

const toObjectOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true } as const;

/** google.protobuf.Value as decoded by protobufjs → plain JSON. */
function valueToJson(v: any): unknown {
  if (!v || typeof v !== 'object') return null;
  if ('struct_value' in v && v.struct_value) return structToJson(v.struct_value);
  if ('list_value' in v && v.list_value) return (v.list_value.values ?? []).map(valueToJson);
  if ('string_value' in v && v.string_value !== undefined) return v.string_value;
  if ('number_value' in v && v.number_value !== undefined) return v.number_value;
  if ('bool_value' in v && v.bool_value !== undefined) return v.bool_value;
  return null;
}

export function structToJson(s: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries<any>(s?.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

function nodeOf(node: any): NodeInfo | undefined {
  if (!node || (!node.id && !node.cluster)) return undefined;
  return { id: node.id ?? '', cluster: node.cluster ?? '', metadata: structToJson(node.metadata) };
}

function errorDetailOf(e: any): ErrorDetail | undefined {
  return e ? { code: Number(e.code ?? 0), message: String(e.message ?? '') } : undefined;
}

function decodeWith(type: () => ReturnType<typeof lookupType>, buf: Buffer): any {
  // oneofs are not needed; `defaults` gives empty strings/arrays for absent fields.
  return type().toObject(type().decode(buf), toObjectOptions);
}

export function decodeSotwRequest(buf: Buffer): SotwRequest | MalformedRequest {
  try {
    const r = decodeWith(types.request, buf);
    const node = nodeOf(r.node);
    const errorDetail = errorDetailOf(r.error_detail);
    return {
      versionInfo: r.version_info,
      ...(node && { node }),
      resourceNames: r.resource_names,
      typeUrl: r.type_url,
      responseNonce: r.response_nonce,
      ...(errorDetail && { errorDetail }),
    };
  } catch (err) {
    return new MalformedRequest(`DiscoveryRequest does not decode: ${(err as Error).message}`);
  }
}

export function decodeDeltaRequest(buf: Buffer): DeltaRequest | MalformedRequest {
  try {
    const r = decodeWith(types.deltaRequest, buf);
    const node = nodeOf(r.node);
    const errorDetail = errorDetailOf(r.error_detail);
    return {
      ...(node && { node }),
      typeUrl: r.type_url,
      resourceNamesSubscribe: r.resource_names_subscribe,
      resourceNamesUnsubscribe: r.resource_names_unsubscribe,
      initialResourceVersions: r.initial_resource_versions,
      responseNonce: r.response_nonce,
      ...(errorDetail && { errorDetail }),
    };
  } catch (err) {
    return new MalformedRequest(`DeltaDiscoveryRequest does not decode: ${(err as Error).message}`);
  }
}

export function encodeSotwResponse(res: SotwResponse): Buffer {
  const msg = {
    version_info: res.versionInfo,
    resources: res.resources.map((a) => ({ type_url: a.typeUrl, value: a.value })),
    type_url: res.typeUrl,
    nonce: res.nonce,
  };
  return Buffer.from(types.response().encode(msg as any).finish());
}

export function encodeDeltaResponse(res: DeltaResponse): Buffer {
  const msg = {
    system_version_info: res.systemVersionInfo,
    resources: res.resources.map((r) => ({
      name: r.name,
      version: r.version,
      resource: { type_url: r.resource.typeUrl, value: r.resource.value },
    })),
    removed_resources: res.removedResources,
    type_url: res.typeUrl,
    nonce: res.nonce,
  };
  return Buffer.from(types.deltaResponse().encode(msg as any).finish());
}

/** Client-side halves, for the service definition's completeness (clients of our own tests use proto-loader). */
export function encodeRequest(type: 'sotw' | 'delta', obj: Record<string, unknown>): Buffer {
  const t = type === 'sotw' ? types.request() : types.deltaRequest();
  return Buffer.from(t.encode(t.fromObject(obj)).finish());
}

export function decodeResponse(type: 'sotw' | 'delta', buf: Buffer): any {
  return decodeWith(type === 'sotw' ? types.response : types.deltaResponse, buf);
}
