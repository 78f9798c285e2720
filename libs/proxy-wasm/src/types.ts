// Public types of the proxy-wasm host.

import type { LogLevel } from './abi-constants.js';
import type { SharedState } from './shared-state.js';

export type AbiVersion = '0.1.0' | '0.2.0' | '0.2.1';

/** What happens when the filter traps or runs over its time budget (Envoy's PluginConfig.failure_policy). */
export type FailurePolicy = 'FAIL_CLOSED' | 'FAIL_OPEN' | 'FAIL_RELOAD';

export type { LogLevel };

export interface FilterModule {
  /** The module as shipped (compiled, not instantiated). */
  module: WebAssembly.Module;
  /** The same module with fuel metering added; this is what the host instantiates. */
  metered: WebAssembly.Module;
  abi: AbiVersion;
  /** Lower-case hex sha256 of the module bytes. */
  sha256: string;
  size: number;
  exports: string[];
  imports: { module: string; name: string }[];
  /** Things that work here but not in Envoy (e.g. a host function Envoy links only for another ABI). */
  warnings: string[];
}

export interface PluginOptions {
  name: string;
  rootId: string;
  vmId?: string;
  vmConfig?: string;
  pluginConfig?: string;
  /** Default FAIL_CLOSED. */
  failurePolicy?: FailurePolicy;
  /** Wall-clock budget of one callback into the filter; default 50 ms. */
  callbackBudgetMs?: number;
  /** Budget of VM start-up (_initialize/_start, on_vm_start, on_configure); default 1000 ms. */
  startBudgetMs?: number;
  /** Messages below this level are dropped and proxy_get_log_level reports it; default 'info' (Envoy's default). */
  logLevel?: LogLevel;
  logger?: (level: LogLevel, message: string) => void;
  /** Injected wall clock (tests); default the system clock. */
  nowNanos?: () => bigint;
  /** Cluster name → base URL for proxy_http_call; an unknown cluster makes the call fail with BAD_ARGUMENT. */
  httpCallTarget?: (cluster: string) => string | undefined;
  /** Extra or overridden properties, keyed by dotted path (e.g. `node.id`). */
  properties?: Record<string, string | Uint8Array>;
  /** Where shared data and queues live; default one store per process, keyed by vm_id as in Envoy. */
  sharedState?: SharedState;
  /** A stream paused by the filter and never resumed is answered 504 after this long; default 60 s. */
  pausedStreamTimeoutMs?: number;
  /** FAIL_RELOAD: after a failed reload, wait this long before trying again; default 1 s. */
  reloadBackoffMs?: number;
}

export interface HttpRequest {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: [string, string][];
  body?: Uint8Array;
  trailers?: [string, string][];
  source?: { address: string; port: number };
  destination?: { address: string; port: number };
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body?: Uint8Array;
  trailers?: [string, string][];
}

export interface LocalReply {
  status: number;
  details: string;
  body: Uint8Array;
  headers: [string, string][];
}

export interface FilterLogEntry {
  level: LogLevel;
  message: string;
}

export interface ExchangeResult {
  /** What the client gets. */
  response: HttpResponse;
  /** What was sent upstream (after the filter); absent on a local reply. */
  upstreamRequest?: HttpRequest;
  localReply?: LocalReply;
  failure?: { kind: 'trap' | 'timeout'; message: string; policy: FailurePolicy };
  /** The filter closed the stream (proxy_close_stream): the proxy should reset the connection. */
  reset?: boolean;
  /** This exchange's filter logs. */
  logs: FilterLogEntry[];
}

export interface MetricValue {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** Counter and gauge: the value. Histogram: the number of recorded values. */
  value: number | bigint;
  /** Histogram only: the sum of the recorded values. */
  sum?: bigint;
}
