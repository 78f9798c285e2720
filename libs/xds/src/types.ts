// The contract between the xDS engines, the resource cache and the transport adapters.
// Messages here are plain objects: the gRPC adapter converts them to and from protobuf,
// so the engines know nothing about gRPC or protobufjs.

/** The proxy (or agent) on the other end of a stream, as announced in the first request's `node`. */
export interface NodeInfo {
  id: string;
  cluster: string;
  /** `node.metadata` converted from google.protobuf.Struct to plain JSON. */
  metadata: Record<string, unknown>;
}

/** A google.protobuf.Any whose value is already encoded: encoded once, written to many streams. */
export interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

/** One named resource at one version, as one node will see it. */
export interface VersionedResource {
  name: string;
  version: string;
  resource: AnyMessage;
}

/** Envoy's google.rpc.Status in a NACK. */
export interface ErrorDetail {
  code: number;
  message: string;
}

export interface SotwRequest {
  versionInfo: string;
  /** Only the first request of a stream is sure to carry it. */
  node?: NodeInfo;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorDetail?: ErrorDetail;
}

export interface SotwResponse {
  versionInfo: string;
  resources: AnyMessage[];
  typeUrl: string;
  nonce: string;
}

export interface DeltaRequest {
  node?: NodeInfo;
  typeUrl: string;
  resourceNamesSubscribe: string[];
  resourceNamesUnsubscribe: string[];
  /** Only meaningful on the first request of a stream (reconnect). */
  initialResourceVersions: Record<string, string>;
  responseNonce: string;
  errorDetail?: ErrorDetail;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: AnyMessage;
}

export interface DeltaResponse {
  systemVersionInfo: string;
  resources: DeltaResource[];
  removedResources: string[];
  typeUrl: string;
  nonce: string;
}

/** The transport side of one stream: the engine only ever sends on it. */
export interface XdsStream<Res> {
  send(response: Res): void;
}

/**
 * Decides what one node sees under one name. `base` is the resource as stored; a resolver may return it,
 * a node-specific variant (e.g. a canary config), or undefined (the node does not see this name).
 * A variant must carry its own version string (same content → same version).
 */
export type ResourceResolver = (
  node: NodeInfo,
  name: string,
  base: VersionedResource | undefined,
) => VersionedResource | undefined;

/** A NACK as recorded: which node refused which version of which resource, and why. */
export interface NackRecord {
  nodeId: string;
  cluster: string;
  name: string;
  version: string;
  message: string;
  /** Epoch milliseconds. */
  at: number;
}

export type StreamKind = 'sotw' | 'delta';

/** Hooks for metrics and logs; every member optional. */
export interface XdsObserver {
  onPush?(event: { kind: StreamKind; node: NodeInfo; names: string[]; latencyMs: number | undefined }): void;
  onAck?(event: { kind: StreamKind; node: NodeInfo; names: string[] }): void;
  onNack?(event: { kind: StreamKind; record: NackRecord }): void;
}
