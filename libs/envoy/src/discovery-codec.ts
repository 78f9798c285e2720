// Wire codec between Envoy's discovery messages (DiscoveryRequest/Response, Delta*) and the plain messages
// of libs/xds, in both directions: servers decode requests and encode responses, clients the reverse.
// Bytes that do not decode become MalformedMessage values, so a gRPC adapter can answer INVALID_ARGUMENT
// instead of grpc-js' generic INTERNAL.
import type {
  AnyMessage,
  DeltaRequest,
  DeltaResponse,
  ErrorDetail,
  NodeInfo,
  SotwRequest,
  SotwResponse,
} from '@wasmfleet/xds';
import type protobuf from 'protobufjs';
import { lookupType } from './proto-root.js';
import { encodeDeltaResponseFast, encodeSotwResponseFast } from './discovery-response-writer.js';
import { jsonToStruct, structToJson } from './struct-json.js';

/** Looks a type up once, on first use (the root loads lazily). */
function memo(name: string): () => protobuf.Type {
  let type: protobuf.Type | undefined;
  return () => (type ??= lookupType(name));
}

const types = {
  request: memo('envoy.service.discovery.v3.DiscoveryRequest'),
  response: memo('envoy.service.discovery.v3.DiscoveryResponse'),
  deltaRequest: memo('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
  deltaResponse: memo('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
};

export class MalformedMessage {
  constructor(readonly reason: string) {}
}

type Decoded = Record<string, any>;
const toObjectOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true } as const;

function decodeWith(type: () => protobuf.Type, buf: Uint8Array, what: string): Decoded | MalformedMessage {
  try {
    return type().toObject(type().decode(buf), toObjectOptions);
  } catch (err) {
    return new MalformedMessage(`${what} does not decode: ${(err as Error).message}`);
  }
}

function encodeWith(type: () => protobuf.Type, msg: Decoded): Buffer {
  return Buffer.from(type().encode(msg as never).finish());
}

function nodeIn(node: Decoded | null | undefined): NodeInfo | undefined {
  if (!node || (!node['id'] && !node['cluster'])) return undefined;
  return { id: node['id'] ?? '', cluster: node['cluster'] ?? '', metadata: structToJson(node['metadata']) };
}

function nodeOut(node: NodeInfo | undefined): Decoded | undefined {
  return node && { id: node.id, cluster: node.cluster, metadata: jsonToStruct(node.metadata) };
}

function errorIn(e: Decoded | null | undefined): ErrorDetail | undefined {
  return e ? { code: Number(e['code'] ?? 0), message: String(e['message'] ?? '') } : undefined;
}

const anyIn = (a: Decoded | null | undefined): AnyMessage => ({ typeUrl: a?.['type_url'] ?? '', value: a?.['value'] ?? new Uint8Array() });

/**
 * Requests are decoded to protobufjs message instances and read field by field: an ACK arrives from every
 * stream after every push, and converting each whole message to a plain object (toObject) is wasted work.
 * Only the node, sent on a stream's first request, goes through toObject.
 */
function decodeInstance(type: () => protobuf.Type, buf: Uint8Array, what: string): Decoded | MalformedMessage {
  try {
    return type().decode(buf) as unknown as Decoded;
  } catch (err) {
    return new MalformedMessage(`${what} does not decode: ${(err as Error).message}`);
  }
}

function nodeOfInstance(node: protobuf.Message | null | undefined): NodeInfo | undefined {
  if (!node) return undefined;
  const type = (node as unknown as { $type: protobuf.Type }).$type;
  return nodeIn(type.toObject(node, toObjectOptions));
}

export function decodeSotwRequest(buf: Uint8Array): SotwRequest | MalformedMessage {
  const r = decodeInstance(types.request, buf, 'DiscoveryRequest');
  if (r instanceof MalformedMessage) return r;
  const node = nodeOfInstance(r['node']);
  const errorDetail = errorIn(r['error_detail']);
  return {
    versionInfo: r['version_info'] ?? '',
    ...(node && { node }),
    resourceNames: r['resource_names'] ?? [],
    typeUrl: r['type_url'] ?? '',
    responseNonce: r['response_nonce'] ?? '',
    ...(errorDetail && { errorDetail }),
  };
}

export function encodeSotwRequest(req: SotwRequest): Buffer {
  return encodeWith(types.request, {
    version_info: req.versionInfo,
    node: nodeOut(req.node),
    resource_names: req.resourceNames,
    type_url: req.typeUrl,
    response_nonce: req.responseNonce,
    error_detail: req.errorDetail,
  });
}

export function decodeDeltaRequest(buf: Uint8Array): DeltaRequest | MalformedMessage {
  const r = decodeInstance(types.deltaRequest, buf, 'DeltaDiscoveryRequest');
  if (r instanceof MalformedMessage) return r;
  const node = nodeOfInstance(r['node']);
  const errorDetail = errorIn(r['error_detail']);
  return {
    ...(node && { node }),
    typeUrl: r['type_url'] ?? '',
    resourceNamesSubscribe: r['resource_names_subscribe'] ?? [],
    resourceNamesUnsubscribe: r['resource_names_unsubscribe'] ?? [],
    initialResourceVersions: { ...(r['initial_resource_versions'] ?? {}) },
    responseNonce: r['response_nonce'] ?? '',
    ...(errorDetail && { errorDetail }),
  };
}

export function encodeDeltaRequest(req: DeltaRequest): Buffer {
  return encodeWith(types.deltaRequest, {
    node: nodeOut(req.node),
    type_url: req.typeUrl,
    resource_names_subscribe: req.resourceNamesSubscribe,
    resource_names_unsubscribe: req.resourceNamesUnsubscribe,
    initial_resource_versions: req.initialResourceVersions,
    response_nonce: req.responseNonce,
    error_detail: req.errorDetail,
  });
}

/** Hot path of every push: see discovery-response-writer.ts. */
export const encodeSotwResponse: (res: SotwResponse) => Buffer = encodeSotwResponseFast;

export function decodeSotwResponse(buf: Uint8Array): SotwResponse | MalformedMessage {
  const r = decodeWith(types.response, buf, 'DiscoveryResponse');
  if (r instanceof MalformedMessage) return r;
  return { versionInfo: r['version_info'], resources: r['resources'].map(anyIn), typeUrl: r['type_url'], nonce: r['nonce'] };
}

export const encodeDeltaResponse: (res: DeltaResponse) => Buffer = encodeDeltaResponseFast;

export function decodeDeltaResponse(buf: Uint8Array): DeltaResponse | MalformedMessage {
  const r = decodeWith(types.deltaResponse, buf, 'DeltaDiscoveryResponse');
  if (r instanceof MalformedMessage) return r;
  return {
    systemVersionInfo: r['system_version_info'],
    resources: r['resources'].map((x: Decoded) => ({ name: x['name'], version: x['version'], resource: anyIn(x['resource']) })),
    removedResources: r['removed_resources'],
    typeUrl: r['type_url'],
    nonce: r['nonce'],
  };
}
