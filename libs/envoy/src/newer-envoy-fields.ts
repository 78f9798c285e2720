// The one place where fields of today's Envoy API that the shipped (older) protos lack are added,
// by protobufjs reflection. Field numbers and names follow envoyproxy/data-plane-api
// (envoy/extensions/wasm/v3/wasm.proto): `FailurePolicy failure_policy = 7` in PluginConfig.
// Decoders built from the older protos (e.g. the Python interop client) keep the field as unknown.
import protobuf from 'protobufjs';

export const FAILURE_POLICY_VALUES = {
  UNSPECIFIED: 0,
  FAIL_RELOAD: 1,
  FAIL_CLOSED: 2,
  FAIL_OPEN: 3,
} as const;

export function addNewerEnvoyFields(root: protobuf.Root): void {
  const wasmNs = root.lookup('envoy.extensions.wasm.v3') as protobuf.Namespace;
  if (!wasmNs.get('FailurePolicy')) {
    wasmNs.add(new protobuf.Enum('FailurePolicy', { ...FAILURE_POLICY_VALUES }));
  }
  const pluginConfig = root.lookupType('envoy.extensions.wasm.v3.PluginConfig');
  if (!pluginConfig.fields['failure_policy']) {
    pluginConfig.add(new protobuf.Field('failure_policy', 7, 'FailurePolicy'));
  }
}
