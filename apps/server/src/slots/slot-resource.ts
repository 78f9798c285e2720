// A slot as the ECDS resource proxies receive: TypedExtensionConfig{name: slot, typed_config: Any(Wasm)}.
import { wasmFilterConfigOf, type Slot } from '@wasmfleet/api';
import { encodeTypedExtensionConfig, encodeWasmFilter } from '@wasmfleet/envoy';
import type { VersionedResource } from '@wasmfleet/xds';

export function slotResource(slot: Slot): VersionedResource {
  return {
    name: slot.name,
    version: slot.version,
    resource: encodeTypedExtensionConfig({ name: slot.name, typedConfig: encodeWasmFilter(wasmFilterConfigOf(slot.name, slot.spec)) }),
  };
}
