// The ECDS benchmark's floor: a bare grpc-js server on the same service paths as the management server,
// with identity (Buffer) serializers and no per-stream logic. Each stream gets one pre-encoded initial
// response after its first request (later requests, the ACKs, are read and dropped); each `POST /trigger`
// on the HTTP port encodes the next version ONCE and writes that one buffer to every open stream. What grpc-js + HTTP/2 cost
// at best, so the management server's numbers can be read against it.
// Prints one JSON line {"grpcPort","httpPort"} on stdout when ready.
import * as grpc from '@grpc/grpc-js';
import { encodeTypedExtensionConfig, encodeWasmFilter, lookupType } from '@wasmfleet/envoy';
import http from 'node:http';
import { ECDS_SERVICE, TEC_TYPE_URL, type Kind } from './common.js';

const SLOT = process.env['FLOOR_SLOT'] ?? 'bench-slot';

function resource(value: string) {
  const any = encodeTypedExtensionConfig({
    name: SLOT,
    typedConfig: encodeWasmFilter({
      name: SLOT,
      rootId: 'add_header',
      vmId: '',
      runtime: 'envoy.wasm.runtime.v8',
      code: { kind: 'remote', uri: 'http://127.0.0.1:9/modules/add-header.wasm', cluster: 'wasmfleet_modules', timeoutMs: 10_000, sha256: 'a'.repeat(64) },
      configuration: JSON.stringify({ header: 'x-powered-by', value }),
      failurePolicy: 'FAIL_OPEN',
    }),
  });
  return { type_url: any.typeUrl, value: any.value };
}

function encodeSotw(version: string, nonce: string, value: string): Buffer {
  const t = lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  return Buffer.from(t.encode(t.fromObject({ version_info: version, resources: [resource(value)], type_url: TEC_TYPE_URL, nonce })).finish());
}

function encodeDelta(version: string, nonce: string, value: string): Buffer {
  const t = lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
  return Buffer.from(
    t
      .encode(
        t.fromObject({
          system_version_info: `${version}-system`,
          resources: [{ name: SLOT, version, resource: resource(value) }],
          type_url: TEC_TYPE_URL,
          nonce,
        }),
      )
      .finish(),
  );
}

/** The response of resource version `v` (1 = initial); the config value changes with it, like a slot update. */
function encoded(kind: Kind, v: number): Buffer {
  const value = v === 1 ? 'wasmfleet' : `wasmfleet-${v}`;
  return kind === 'sotw' ? encodeSotw(v.toString(16).padStart(16, '0'), String(v), value) : encodeDelta(String(v), String(v), value);
}

const initial: Record<Kind, Buffer> = { sotw: encoded('sotw', 1), delta: encoded('delta', 1) };
let version = 1;

const open: Record<Kind, Set<grpc.ServerDuplexStream<Buffer, Buffer>>> = { sotw: new Set(), delta: new Set() };

function handler(kind: Kind) {
  return (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    let first = true;
    open[kind].add(call);
    const drop = () => open[kind].delete(call);
    call.on('data', () => {
      if (!first) return;
      first = false;
      call.write(initial[kind]);
    });
    call.on('end', () => {
      drop();
      call.end();
    });
    call.on('cancelled', drop);
    call.on('error', drop);
    call.on('close', drop);
  };
}

const identity = (b: Buffer) => b;
const method = (name: string) => ({
  path: `/${ECDS_SERVICE}/${name}`,
  requestStream: true,
  responseStream: true,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});

// Same channel options as the management server's gRPC server.
const server = new grpc.Server({
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
});
server.addService(
  { StreamExtensionConfigs: method('StreamExtensionConfigs'), DeltaExtensionConfigs: method('DeltaExtensionConfigs') },
  { StreamExtensionConfigs: handler('sotw'), DeltaExtensionConfigs: handler('delta') },
);
const grpcPort = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
);

const trigger = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/trigger') {
      res.writeHead(404).end();
      return;
    }
    // Each trigger is the next version; encoded once per kind, then the same buffer goes to every stream.
    version += 1;
    let streams = 0;
    for (const kind of ['sotw', 'delta'] as const) {
      if (open[kind].size === 0) continue;
      const update = encoded(kind, version);
      for (const call of open[kind]) {
        call.write(update);
        streams += 1;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ streams }));
  });
});
await new Promise<void>((resolve) => trigger.listen(0, '127.0.0.1', resolve));
const httpPort = (trigger.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ grpcPort, httpPort })}\n`);

const stop = () => {
  server.forceShutdown();
  trigger.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
