// @wasmfleet/xds: framework-free xDS engines (SotW and Delta), the per-resource cache they read from and the
// ledger of NACKs. Transport adapters (gRPC, REST) convert messages and call `handle`; nothing here knows them.
export type * from './types.js';
export { XdsProtocolError, type XdsProtocolErrorReason } from './errors.js';
export { ResourceCache, WILDCARD, type ResourceCacheOptions, type ResourceListener, type WatchScope } from './resource-cache.js';
export { NackLedger, NACK_LEDGER_DEFAULTS, type NackFilter, type NackLedgerOptions } from './nack-ledger.js';
export { SotwSession, type SotwSessionOptions } from './sotw-session.js';
export { DeltaSession, MAX_DELTA_IN_FLIGHT, type DeltaSessionOptions } from './delta-session.js';
export type { SessionOptions } from './session-support.js';
export { HeldVersions } from './version-digest.js';
export { SotwClient, type SotwClientOptions } from './client/sotw-client.js';
export { DeltaClient, type DeltaClientOptions } from './client/delta-client.js';
export { NACK_CODE_INTERNAL, type ResourceApplier, type ReceivedChange } from './client/resource-applier.js';
