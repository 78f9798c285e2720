export { EnvoyConfigError } from './errors.js';
export { TypeUrls, messageNameOf } from './type-urls.js';
export { envoyRoot, lookupType, PROTO_INCLUDE_DIRS, ENVOY_PROTO_FILES } from './proto-root.js';
export { packAny, unpackAny, anyFromObject, type AnyMessage } from './any.js';
export {
  encodeTypedExtensionConfig,
  decodeTypedExtensionConfig,
  type TypedExtensionConfig,
} from './typed-extension-config.js';
export {
  encodeWasmFilter,
  decodeWasmFilter,
  DEFAULT_WASM_RUNTIME,
  FAILURE_POLICIES,
  type FailurePolicy,
  type WasmFilterConfig,
  type RemoteCode,
  type LocalCode,
} from './wasm-filter.js';
export { FAILURE_POLICY_VALUES } from './newer-envoy-fields.js';
export {
  MalformedMessage,
  decodeSotwRequest,
  encodeSotwRequest,
  decodeDeltaRequest,
  encodeDeltaRequest,
  decodeSotwResponse,
  encodeSotwResponse,
  decodeDeltaResponse,
  encodeDeltaResponse,
} from './discovery-codec.js';
export { structToJson, jsonToStruct } from './struct-json.js';
