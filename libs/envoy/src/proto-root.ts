// Loads Envoy's protos once, from the copies that @grpc/grpc-js-xds ships under deps/.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { addNewerEnvoyFields } from './newer-envoy-fields.js';

const require = createRequire(import.meta.url);
const depsDir = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));

/** The four include dirs Envoy's protos need; also handed to protoc by the Python interop test. */
export const PROTO_INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) =>
  path.join(depsDir, d),
);

/** The proto files Wasmfleet uses; their imports are followed. */
export const ENVOY_PROTO_FILES = [
  'envoy/service/extension/v3/config_discovery.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/core/v3/extension.proto',
  'envoy/extensions/filters/http/wasm/v3/wasm.proto',
  'google/protobuf/wrappers.proto',
  'google/protobuf/struct.proto',
];

let root: protobuf.Root | undefined;

/** The resolved protobufjs root with every Envoy type Wasmfleet needs (memoised). */
export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    // google/protobuf/*.proto come from protobufjs: bundled JSON for the common ones, its .proto files otherwise.
    if (target.startsWith('google/protobuf/')) {
      const shipped = path.join(protobufjsDir, target);
      return target in protobuf.common || !existsSync(shipped) ? target : shipped;
    }
    for (const dir of PROTO_INCLUDE_DIRS) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  r.loadSync(ENVOY_PROTO_FILES, { keepCase: true });
  addNewerEnvoyFields(r);
  r.resolveAll();
  root = r;
  return r;
}

export function lookupType(name: string): protobuf.Type {
  return envoyRoot().lookupType(name);
}
