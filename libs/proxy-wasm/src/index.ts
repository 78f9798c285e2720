// @wasmfleet/proxy-wasm: a proxy-wasm ABI host (0.1.0, 0.2.0, 0.2.1) on Node's own WebAssembly.
import './webassembly-globals.js';

export { loadFilterModule, detectAbi } from './filter-module.js';
export { FilterPlugin, DEFAULT_CALLBACK_BUDGET_MS, DEFAULT_START_BUDGET_MS, type PluginState } from './filter-plugin.js';
export { WasmFilterError, type WasmFilterErrorKind } from './errors.js';
export { SharedState } from './shared-state.js';
export { encodePairs, decodePairs, type HeaderPairs } from './pairs-codec.js';
export { ENV_FUNCTIONS, WASI_FUNCTIONS, hostProvides } from './host-function-names.js';
export type { Upstream } from './exchange-runner.js';
export type {
  AbiVersion,
  ExchangeResult,
  FailurePolicy,
  FilterLogEntry,
  FilterModule,
  HttpRequest,
  HttpResponse,
  LocalReply,
  LogLevel,
  MetricValue,
  PluginOptions,
} from './types.js';
