// The ECDS benchmark's load client: a separate process (forked by run.ts, IPC channel) that opens N
// SotW or Delta streams over many HTTP/2 connections, ACKs every response like Envoy does, and on
// command sends the trigger request itself and timestamps, per stream, the arrival of the new version.
// All times are performance.now() of this process, relative to just before the trigger was sent.
//
// The client is kept lean so that it is not the bottleneck it would otherwise be (one process, N
// streams): messages are (de)serialised with plain protobufjs decode/encode of Envoy's discovery
// messages (no toObject/defaults pass as with proto-loader), and the Any payloads are not decoded.
import * as grpc from '@grpc/grpc-js';
import { lookupType } from '@wasmfleet/envoy';
import { authMetadata } from '../../testing/ecds-client.js';
import { ECDS_SERVICE, TEC_TYPE_URL, type FromClient, type Kind, type ToClient } from './common.js';

function method(name: string, request: string, response: string) {
  const req = lookupType(request);
  const res = lookupType(response);
  return {
    path: `/${ECDS_SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    // Plain objects with the proto's (snake_case) field names encode directly.
    requestSerialize: (obj: object) => Buffer.from(req.encode(obj).finish()),
    requestDeserialize: (buf: Buffer) => req.decode(buf),
    responseSerialize: (obj: object) => Buffer.from(res.encode(obj).finish()),
    responseDeserialize: (buf: Buffer) => res.decode(buf),
  };
}

let ctor: grpc.ServiceClientConstructor | undefined;
function leanClient(target: string, options: grpc.ChannelOptions): any {
  ctor ??= grpc.makeGenericClientConstructor(
    {
      StreamExtensionConfigs: method('StreamExtensionConfigs', 'envoy.service.discovery.v3.DiscoveryRequest', 'envoy.service.discovery.v3.DiscoveryResponse'),
      DeltaExtensionConfigs: method(
        'DeltaExtensionConfigs',
        'envoy.service.discovery.v3.DeltaDiscoveryRequest',
        'envoy.service.discovery.v3.DeltaDiscoveryResponse',
      ),
    },
    'ExtensionConfigDiscoveryService',
  );
  return new ctor(target, grpc.credentials.createInsecure(), options);
}

function send(msg: FromClient): void {
  process.send?.(msg);
}

if (!process.send) {
  console.error('load-client.ts is started by bench/ecds/run.ts over an IPC channel');
  process.exit(2);
}

// Stream state, by stream index.
let kind: Kind = 'sotw';
let slot = '';
let streams = 0;
/** The version each stream holds now (undefined until its initial config). */
let current: Array<string | undefined> = [];
/** What each stream held when the current trigger was sent: a different version is the update. */
let baseline: Array<string | undefined> = [];
let updatedAt: Float64Array = new Float64Array(0);
const calls: Array<grpc.ClientDuplexStream<any, any>> = [];
let ready = 0;
let updated = 0;
let errors = 0;
let early = 0;
let firstError: string | undefined;
/** performance.now() just before the trigger request; undefined until then. */
let t0: number | undefined;
let onUpdate: (() => void) | undefined;

function versionOf(res: any): string {
  // SotW: version_info digests what the stream holds. Delta: the resource's own version.
  if (kind === 'sotw') return res.version_info as string;
  return (res.resources?.[0]?.version as string | undefined) ?? (res.system_version_info as string);
}

function openStream(client: any, index: number, token: string): void {
  const call: grpc.ClientDuplexStream<any, any> =
    kind === 'sotw' ? client.StreamExtensionConfigs(authMetadata(token)) : client.DeltaExtensionConfigs(authMetadata(token));
  calls[index] = call;
  call.on('data', (res: any) => {
    const now = performance.now();
    const version = versionOf(res);
    const held = current[index];
    current[index] = version;
    if (held === undefined) {
      ready += 1;
    } else if (t0 === undefined) {
      if (version !== held) early += 1;
    } else if (version !== baseline[index] && updatedAt[index] === 0) {
      updatedAt[index] = Math.max(now - t0, Number.MIN_VALUE);
      updated += 1;
      if (updated === streams) onUpdate?.();
    }
    // ACK, as Envoy does.
    if (kind === 'sotw') {
      call.write({ version_info: res.version_info, response_nonce: res.nonce, type_url: TEC_TYPE_URL, resource_names: [slot] });
    } else {
      call.write({ type_url: TEC_TYPE_URL, response_nonce: res.nonce });
    }
  });
  call.on('error', (err: Error) => {
    errors += 1;
    firstError ??= `stream ${index}: ${err.message}`;
  });
  const node = { id: `bench-node-${index}`, cluster: 'bench' };
  if (kind === 'sotw') call.write({ node, type_url: TEC_TYPE_URL, resource_names: [slot] });
  else call.write({ node, type_url: TEC_TYPE_URL, resource_names_subscribe: [slot] });
}

async function open(msg: Extract<ToClient, { type: 'open' }>): Promise<void> {
  const started = performance.now();
  kind = msg.kind;
  slot = msg.slot;
  streams = msg.streams;
  current = new Array<string | undefined>(msg.streams).fill(undefined);
  updatedAt = new Float64Array(msg.streams);
  const clients: any[] = [];
  let opened = 0;
  while (opened < msg.streams) {
    const end = Math.min(msg.streams, opened + msg.batch);
    for (let i = opened; i < end; i++) {
      const ch = Math.floor(i / msg.perChannel);
      // A distinct option per channel, and no shared subchannel pool: each channel is its own HTTP/2 connection.
      clients[ch] ??= leanClient(msg.target, { 'grpc.use_local_subchannel_pool': 1, 'wasmfleet.bench_channel': ch } as any);
      openStream(clients[ch], i, msg.token);
    }
    opened = end;
    const deadline = performance.now() + msg.batchTimeoutMs;
    while (ready + errors < opened) {
      if (performance.now() > deadline) {
        throw new Error(`only ${ready}/${opened} streams got their initial config within ${msg.batchTimeoutMs} ms (errors ${errors}: ${firstError ?? '-'})`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    if (errors > 0) throw new Error(`${errors} streams failed: ${firstError}`);
    send({ type: 'progress', opened, ready, errors });
  }
  send({ type: 'opened', opened, ready, errors, ...(firstError && { firstError }), setupMs: Math.round(performance.now() - started) });
}

async function trigger(msg: Extract<ToClient, { type: 'trigger' }>): Promise<void> {
  baseline = current.slice();
  updatedAt.fill(0);
  updated = 0;
  const all = new Promise<void>((resolve) => (onUpdate = resolve));
  const { url, method, headers, body } = msg.request;
  t0 = performance.now();
  const response = fetch(url, { method, headers, ...(body !== undefined && { body }) }).then(async (res) => {
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t0! };
  });
  // On timeout the result simply has fewer than `streams` latencies.
  await Promise.race([all, new Promise<void>((r) => setTimeout(r, msg.timeoutMs))]);
  const trig = await Promise.race([response, new Promise<{ status: number; ms: number }>((r) => setTimeout(() => r({ status: 0, ms: -1 }), 5_000))]);
  t0 = undefined;
  onUpdate = undefined;
  const latencies: number[] = [];
  for (const t of updatedAt) if (t > 0) latencies.push(t);
  latencies.sort((a, b) => a - b);
  send({
    type: 'result',
    streams,
    updated,
    latencies,
    triggerStatus: trig.status,
    triggerMs: trig.ms,
    errors,
    ...(firstError && { firstError }),
    early,
  });
}

async function warmup(msg: Extract<ToClient, { type: 'warmup' }>): Promise<void> {
  for (let i = 0; i < 3; i++) await (await fetch(msg.url, { headers: msg.headers })).arrayBuffer();
  send({ type: 'warmed' });
}

process.on('message', (msg: ToClient) => {
  const run = msg.type === 'open' ? open(msg) : msg.type === 'warmup' ? warmup(msg) : trigger(msg);
  run.catch((err: Error) => send({ type: 'fatal', message: err.stack ?? err.message }));
});
// The orchestrator kills this process; also go when it goes.
process.on('disconnect', () => process.exit(0));
