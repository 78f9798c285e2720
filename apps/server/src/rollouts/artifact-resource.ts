// A rollout's artifact (one validated revision of a filter) as the ECDS resource proxies receive: the
// revision's filter config with the module served from this server's cache, checked by sha256.
import { encodeTypedExtensionConfig, encodeWasmFilter } from '@wasmfleet/envoy';
import type { Artifact, WasmRollout } from '@wasmfleet/rollout';
import type { VersionedResource } from '@wasmfleet/xds';

export const MODULE_CLUSTER = 'wasmfleet_modules';

/** The xDS version of an artifact, also the `version` label of the health samples proxies report. */
export function artifactVersion(artifact: Pick<Artifact, 'revision' | 'sha256'>): string {
  return `r${artifact.revision}.${(artifact.sha256 ?? 'unvalidated').slice(0, 12)}`;
}

export function moduleUrl(publicUrl: string, sha256: string): string {
  return `${publicUrl.replace(/\/$/, '')}/modules/${sha256}.wasm`;
}

/** undefined when the artifact has not been validated (no sha256 yet): nothing to serve. */
export function artifactResource(slot: string, artifact: Artifact, spec: WasmRollout, publicUrl: string): VersionedResource | undefined {
  if (!artifact.sha256) return undefined;
  const f = spec.spec.filter;
  const typedConfig = encodeWasmFilter({
    name: slot,
    rootId: f.rootId,
    vmId: '',
    runtime: 'envoy.wasm.runtime.v8',
    code: { kind: 'remote', uri: moduleUrl(publicUrl, artifact.sha256), cluster: MODULE_CLUSTER, timeoutMs: 10_000, sha256: artifact.sha256 },
    configuration: JSON.stringify(f.config ?? null),
    ...(f.vmConfig !== undefined && { vmConfiguration: JSON.stringify(f.vmConfig) }),
    failurePolicy: f.failurePolicy,
  });
  return { name: slot, version: artifactVersion(artifact), resource: encodeTypedExtensionConfig({ name: slot, typedConfig }) };
}
