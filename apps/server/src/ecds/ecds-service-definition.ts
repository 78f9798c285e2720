// grpc-js service definition of envoy.service.extension.v3.ExtensionConfigDiscoveryService with our codec.
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  decodeDeltaRequest,
  decodeResponse,
  decodeSotwRequest,
  encodeDeltaResponse,
  encodeRequest,
  encodeSotwResponse,
} from './discovery-codec.js';

const SERVICE = 'envoy.service.extension.v3.ExtensionConfigDiscoveryService';

export const ecdsServiceDefinition: ServiceDefinition = {
  StreamExtensionConfigs: {
    path: `/${SERVICE}/StreamExtensionConfigs`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (obj) => encodeRequest('sotw', obj),
    requestDeserialize: decodeSotwRequest,
    responseSerialize: encodeSotwResponse,
    responseDeserialize: (buf) => decodeResponse('sotw', buf),
  },
  DeltaExtensionConfigs: {
    path: `/${SERVICE}/DeltaExtensionConfigs`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (obj) => encodeRequest('delta', obj),
    requestDeserialize: decodeDeltaRequest,
    responseSerialize: encodeDeltaResponse,
    responseDeserialize: (buf) => decodeResponse('delta', buf),
  },
  FetchExtensionConfigs: {
    path: `/${SERVICE}/FetchExtensionConfigs`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (obj) => encodeRequest('sotw', obj),
    requestDeserialize: decodeSotwRequest,
    responseSerialize: encodeSotwResponse,
    responseDeserialize: (buf) => decodeResponse('sotw', buf),
  },
};
