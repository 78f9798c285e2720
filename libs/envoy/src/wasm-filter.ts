// envoy.extensions.filters.http.wasm.v3.Wasm: typed builder and parser for the Wasm HTTP filter config.
import { anyFromObject, packAny, unpackAny, type AnyMessage } from './any.js';
import { EnvoyConfigError } from './errors.js';
import { FAILURE_POLICY_VALUES } from './newer-envoy-fields.js';
import { lookupType } from './proto-root.js';
import { TypeUrls } from './type-urls.js';

export type FailurePolicy = 'FAIL_CLOSED' | 'FAIL_OPEN' | 'FAIL_RELOAD';
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['FAIL_CLOSED', 'FAIL_OPEN', 'FAIL_RELOAD'];

/** Module bytes fetched by the proxy over HTTP from `uri` (through Envoy cluster `cluster`), checked against `sha256`. */
export interface RemoteCode {
  kind: 'remote';
  uri: string;
  cluster: string;
  timeoutMs: number;
  sha256: string;
}

/** Module bytes read from a file on the proxy's disk. */
export interface LocalCode {
  kind: 'local';
  filename: string;
}

export interface WasmFilterConfig {
  /** PluginConfig.name, shown in Envoy's logs and stats. */
  name: string;
  rootId: string;
  vmId: string;
  runtime: string;
  code: RemoteCode | LocalCode;
  /** Passed to on_configure, as the JSON text of a StringValue. */
  configuration?: string;
  /** Passed to on_vm_start, as the JSON text of a StringValue. */
  vmConfiguration?: string;
  failurePolicy: FailurePolicy;
}

export const DEFAULT_WASM_RUNTIME = 'envoy.wasm.runtime.v8';
const SHA256_HEX = /^[0-9a-f]{64}$/;

function stringValue(text: string): Record<string, unknown> {
  const any = packAny('google.protobuf.StringValue', { value: text });
  return { type_url: any.typeUrl, value: any.value };
}

function codeObject(code: RemoteCode | LocalCode): Record<string, unknown> {
  if (code.kind === 'local') {
    if (!code.filename) throw new EnvoyConfigError('code.local.filename', 'must not be empty');
    return { local: { filename: code.filename } };
  }
  if (!SHA256_HEX.test(code.sha256)) {
    throw new EnvoyConfigError('code.remote.sha256', 'must be 64 lowercase hex characters (sha256 of the module)');
  }
  if (!/^https?:\/\//.test(code.uri)) throw new EnvoyConfigError('code.remote.uri', 'must be an http(s) URL');
  const seconds = Math.floor(code.timeoutMs / 1000);
  return {
    remote: {
      http_uri: {
        uri: code.uri,
        cluster: code.cluster,
        timeout: { seconds, nanos: (code.timeoutMs % 1000) * 1_000_000 },
      },
      sha256: code.sha256,
    },
  };
}

/** Encodes the filter config as Any(envoy.extensions.filters.http.wasm.v3.Wasm). */
export function encodeWasmFilter(config: WasmFilterConfig): AnyMessage {
  if (!FAILURE_POLICIES.includes(config.failurePolicy)) {
    throw new EnvoyConfigError('failurePolicy', `must be one of ${FAILURE_POLICIES.join(', ')}`);
  }
  const vmConfig: Record<string, unknown> = {
    vm_id: config.vmId,
    runtime: config.runtime,
    code: codeObject(config.code),
  };
  if (config.vmConfiguration !== undefined) vmConfig['configuration'] = stringValue(config.vmConfiguration);
  const plugin: Record<string, unknown> = {
    name: config.name,
    root_id: config.rootId,
    vm_config: vmConfig,
    failure_policy: FAILURE_POLICY_VALUES[config.failurePolicy],
  };
  if (config.configuration !== undefined) plugin['configuration'] = stringValue(config.configuration);
  return packAny('envoy.extensions.filters.http.wasm.v3.Wasm', { config: plugin });
}

/** The text of a configuration Any: StringValue and BytesValue raw, Struct as JSON (as Envoy hands it to the VM). */
function configurationText(obj: unknown, field: string): string | undefined {
  if (obj === null || obj === undefined) return undefined;
  const any = anyFromObject(obj, field);
  switch (any.typeUrl) {
    case TypeUrls.stringValue:
      return String(unpackAny(any, TypeUrls.stringValue, field)['value']);
    case TypeUrls.bytesValue:
      return Buffer.from(unpackAny(any, TypeUrls.bytesValue, field)['value'] as Uint8Array).toString('utf8');
    case TypeUrls.struct: {
      const type = lookupType('google.protobuf.Struct');
      return JSON.stringify(type.toObject(type.decode(any.value), { json: true }));
    }
    default:
      throw new EnvoyConfigError(field, `unsupported configuration type URL ${any.typeUrl}`);
  }
}

function parseCode(code: Record<string, any> | null | undefined): RemoteCode | LocalCode {
  if (code?.['remote']) {
    const remote = code['remote'];
    const timeout = remote.http_uri?.timeout;
    return {
      kind: 'remote',
      uri: remote.http_uri?.uri ?? '',
      cluster: remote.http_uri?.cluster ?? '',
      timeoutMs: timeout ? Number(timeout.seconds) * 1000 + Math.round(Number(timeout.nanos) / 1e6) : 0,
      sha256: remote.sha256 ?? '',
    };
  }
  if (code?.['local']?.filename) return { kind: 'local', filename: code['local'].filename };
  throw new EnvoyConfigError('vm_config.code', 'neither remote code nor a local filename');
}

const POLICY_BY_NAME = new Map<string, FailurePolicy>([
  ['FAIL_CLOSED', 'FAIL_CLOSED'],
  ['FAIL_OPEN', 'FAIL_OPEN'],
  ['FAIL_RELOAD', 'FAIL_RELOAD'],
]);

/** Decodes Any(Wasm); refuses other type URLs. UNSPECIFIED failure policy means closed, as in Envoy. */
export function decodeWasmFilter(any: AnyMessage): WasmFilterConfig {
  const wasm = unpackAny(any, TypeUrls.wasmHttpFilter);
  const plugin = wasm['config'] as Record<string, any> | null;
  if (!plugin) throw new EnvoyConfigError('config', 'missing PluginConfig');
  const vm = plugin['vm_config'];
  if (!vm) throw new EnvoyConfigError('config.vm_config', 'missing (only vm_config is supported)');
  const legacyOpen = plugin['fail_open'] === true ? 'FAIL_OPEN' : 'FAIL_CLOSED';
  const configuration = configurationText(plugin['configuration'], 'config.configuration');
  const vmConfiguration = configurationText(vm['configuration'], 'config.vm_config.configuration');
  return {
    name: plugin['name'],
    rootId: plugin['root_id'],
    vmId: vm['vm_id'],
    runtime: vm['runtime'],
    code: parseCode(vm['code']),
    ...(configuration !== undefined && { configuration }),
    ...(vmConfiguration !== undefined && { vmConfiguration }),
    failurePolicy: POLICY_BY_NAME.get(plugin['failure_policy']) ?? legacyOpen,
  };
}
