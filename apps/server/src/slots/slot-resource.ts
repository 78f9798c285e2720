// A slot as the ECDS resource proxies receive: TypedExtensionConfig{name: slot, typed_config: Any(Wasm)}.
import type { Slot } from '@wasmfleet/api';
import { encodeTypedExtensionConfig, encodeWasmFilter, type WasmFilterConfig } from '@wasmfleet/envoy';
import type { VersionedResource } from '@wasmfleet/xds';

export function wasmFilterConfigOf(slot: Slot): WasmFilterConfig {
  const { spec } = slot;
  const m = spec.module;
  return {
    name: slot.name,
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

export function slotResource(slot: Slot): VersionedResource {
  return {
    name: slot.name,
    version: slot.version,
    resource: encodeTypedExtensionConfig({ name: slot.name, typedConfig: encodeWasmFilter(wasmFilterConfigOf(slot)) }),
  };
}
