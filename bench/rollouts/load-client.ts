// The rollout benchmark's ECDS load client: a separate process (forked by run.ts, IPC channel) holding many
// Delta streams, each the node simNode(i) of model.ts (unique id, node.cluster, cluster_labels, namespace,
// labels in node.metadata) subscribed to every benchmark slot. It ACKs every response as Envoy does and logs
// each version change per (stream, slot) with its wall-clock arrival time, so the orchestrator can match
// arrivals to the rollout transitions that caused them.
//
// Lean on purpose (one process, thousands of streams, on the server's CPUs): the streams are gRPC on bare
// node:http2 (grpc-over-http2.ts), and messages are protobufjs instances read field by field (no toObject;
// the resources' Any payloads are never unpacked).
import type { ClientHttp2Session } from 'node:http2';
import { jsonToStruct, lookupType } from '@wasmfleet/envoy';
import { connectHttp2, RawGrpcStream } from './grpc-over-http2.js';
import { simNode, type FromClient, type ToClient } from './model.js';

const ECDS_SERVICE = 'envoy.service.extension.v3.ExtensionConfigDiscoveryService';
const TEC_TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';

const DELTA_PATH = `/${ECDS_SERVICE}/DeltaExtensionConfigs`;
const requestType = lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
const responseType = lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');

interface DeltaResponseFields {
  resources: Array<{ name: string; version: string }>;
  removed_resources: string[];
  nonce: string;
}

function send(msg: FromClient): void {
  process.send?.(msg);
}

if (!process.send) {
  console.error('load-client.ts is started by bench/rollouts/run.ts over an IPC channel');
  process.exit(2);
}

const wallNow = () => performance.timeOrigin + performance.now();

let slotIndex = new Map<string, number>();
let slotCount = 0;
/** current[stream * slotCount + slot] = version index held (-1: none yet). */
let current = new Int32Array(0);
/** Slots with a version per stream; a stream is ready when it holds every slot. */
let held = new Uint16Array(0);
const versions: string[] = [];
const versionIds = new Map<string, number>();
let changes: number[] = [];
let ready = 0;
let errors = 0;
let responses = 0;
let firstError: string | undefined;
const calls: RawGrpcStream[] = [];

function versionId(v: string): number {
  let id = versionIds.get(v);
  if (id === undefined) {
    id = versions.length;
    versions.push(v);
    versionIds.set(v, id);
  }
  return id;
}

/**
 * ACKs go out after the messages at hand are all read and timestamped (next turn of the event loop): a
 * client holding thousands of streams would otherwise stamp the last message of a socket read late by the
 * ACK writes of all the ones before it, and count its own backlog as the server's latency.
 */
const acks: Array<[RawGrpcStream, string]> = [];
const encodeAck = (nonce: string) => Buffer.from(requestType.encode({ type_url: TEC_TYPE_URL, response_nonce: nonce }).finish());
function ack(call: RawGrpcStream, nonce: string): void {
  if (acks.push([call, nonce]) > 1) return;
  setImmediate(() => {
    for (const [c, n] of acks.splice(0)) c.write(encodeAck(n));
  });
}

function openStream(session: ClientHttp2Session, index: number, token: string, clusters: number, slots: string[]): void {
  const call: RawGrpcStream = new RawGrpcStream(session, DELTA_PATH, `Bearer ${token}`, { onMessage, onError });
  calls[index] = call;
  function onMessage(message: Buffer): void {
    const at = wallNow();
    const res = responseType.decode(message) as unknown as DeltaResponseFields;
    responses += 1;
    for (const r of res.resources) {
      const s = slotIndex.get(r.name);
      if (s === undefined) continue;
      const k = index * slotCount + s;
      const v = versionId(r.version);
      const before = current[k]!;
      current[k] = v;
      if (before === -1) {
        held[index]! += 1;
        if (held[index] === slotCount) ready += 1;
      } else if (before !== v) {
        changes.push(index, s, v, at);
      }
    }
    for (const name of res.removed_resources) {
      const s = slotIndex.get(name);
      if (s === undefined) continue;
      current[index * slotCount + s] = versionId('(removed)');
      changes.push(index, s, versionId('(removed)'), at);
    }
    ack(call, res.nonce);
  }
  function onError(err: Error): void {
    errors += 1;
    firstError ??= `stream ${index}: ${err.message}`;
  }
  const node = simNode(index, clusters);
  const first = { node: { id: node.id, cluster: node.cluster, metadata: jsonToStruct(node.metadata) }, type_url: TEC_TYPE_URL, resource_names_subscribe: slots };
  call.write(Buffer.from(requestType.encode(first).finish()));
}

async function open(msg: Extract<ToClient, { type: 'open' }>): Promise<void> {
  const started = performance.now();
  slotIndex = new Map(msg.slots.map((s, i) => [s, i]));
  slotCount = msg.slots.length;
  current = new Int32Array(msg.streams * slotCount).fill(-1);
  held = new Uint16Array(msg.streams);
  const sessions: ClientHttp2Session[] = [];
  let opened = 0;
  while (opened < msg.streams) {
    const end = Math.min(msg.streams, opened + msg.batch);
    for (let i = opened; i < end; i++) {
      const ch = Math.floor(i / msg.perChannel);
      sessions[ch] ??= connectHttp2(msg.target); // one HTTP/2 connection per `perChannel` streams
      openStream(sessions[ch], i, msg.token, msg.clusters, msg.slots);
    }
    opened = end;
    const deadline = performance.now() + msg.batchTimeoutMs;
    while (ready + errors < opened) {
      if (performance.now() > deadline) {
        throw new Error(`only ${ready}/${opened} streams hold all ${slotCount} slots after ${msg.batchTimeoutMs} ms (errors ${errors}: ${firstError ?? '-'})`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    if (errors > 0) throw new Error(`${errors} streams failed: ${firstError}`);
    send({ type: 'progress', opened, ready, errors });
  }
  changes = [];
  responses = 0;
  send({ type: 'opened', ready, errors, setupMs: Math.round(performance.now() - started) });
}

process.on('message', (msg: ToClient) => {
  switch (msg.type) {
    case 'open':
      open(msg).catch((err: Error) => send({ type: 'fatal', message: err.stack ?? err.message }));
      return;
    case 'mark':
      changes = [];
      responses = 0;
      send({ type: 'marked' });
      return;
    case 'dump':
      send({ type: 'changes', versions, changes, errors, ...(firstError && { firstError }), responses });
      return;
  }
});
// The orchestrator kills this process; also go when it goes.
process.on('disconnect', () => process.exit(0));
