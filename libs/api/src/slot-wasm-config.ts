// A slot spec as the Envoy Wasm filter config it stands for (the server serves it over ECDS; the proxy
// uses it as a default config).
import type { WasmFilterConfig } from '@wasmfleet/envoy';
import type { SlotSpec } from './slot.js';

export function wasmFilterConfigOf(name: string, spec: SlotSpec): WasmFilterConfig {
  const m = spec.module;
  return {
    name,
    rootId: spec.rootId,
    vmId: spec.vmId,
    runtime: spec.runtime,
    code:
      m.url !== undefined
        ? { kind: 'remote', uri: m.url, cluster: m.cluster, timeoutMs: m.timeoutMs, sha256: m.sha256 ?? '' }
        : { kind: 'local', filename: m.path ?? '' },
    ...(spec.config !== undefined && { configuration: JSON.stringify(spec.config) }),
    ...(spec.vmConfig !== undefined && { vmConfiguration: JSON.stringify(spec.vmConfig) }),
    failurePolicy: spec.failurePolicy,
  };
}
