// grpc-js service definition of envoy.service.extension.v3.ExtensionConfigDiscoveryService with our codec.
// Requests that do not decode reach the handlers as MalformedMessage values (→ INVALID_ARGUMENT).
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  decodeDeltaRequest,
  decodeDeltaResponse,
  decodeSotwRequest,
  decodeSotwResponse,
  encodeDeltaRequest,
  encodeDeltaResponse,
  encodeSotwRequest,
  encodeSotwResponse,
} from '@wasmfleet/envoy';

const SERVICE = 'envoy.service.extension.v3.ExtensionConfigDiscoveryService';

const sotw = {
  requestSerialize: encodeSotwRequest,
  requestDeserialize: decodeSotwRequest,
  responseSerialize: encodeSotwResponse,
  responseDeserialize: decodeSotwResponse,
};

export const ecdsServiceDefinition: ServiceDefinition = {
  StreamExtensionConfigs: { path: `/${SERVICE}/StreamExtensionConfigs`, requestStream: true, responseStream: true, ...sotw },
  DeltaExtensionConfigs: {
    path: `/${SERVICE}/DeltaExtensionConfigs`,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodeDeltaRequest,
    requestDeserialize: decodeDeltaRequest,
    responseSerialize: encodeDeltaResponse,
    responseDeserialize: decodeDeltaResponse,
  },
  FetchExtensionConfigs: { path: `/${SERVICE}/FetchExtensionConfigs`, requestStream: false, responseStream: false, ...sotw },
};
