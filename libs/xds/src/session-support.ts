// What both engines do alike: checking a request against the stream, minting nonces, push latency.
import { XdsProtocolError } from './errors.js';
import type { NackLedger } from './nack-ledger.js';
import type { ResourceCache } from './resource-cache.js';
import type { NackRecord, NodeInfo, StreamKind, XdsObserver, XdsStream } from './types.js';

let nonceCounter = 0;

/** Default nonce source: one counter for the whole process, so nonces do not repeat across streams. */
export function nextNonce(): string {
  nonceCounter += 1;
  return String(nonceCounter);
}

/**
 * The node of the stream after this request: the first request must name it, later ones may omit it (the
 * first one stays). Throws XdsProtocolError when the node is missing or the type URL is not this stream's.
 */
export function checkRequest(
  known: NodeInfo | undefined,
  request: { node?: NodeInfo; typeUrl: string },
  typeUrl: string,
): NodeInfo {
  const node = known ?? request.node;
  if (!node || node.id === '') {
    throw new XdsProtocolError(
      'missing-node',
      'the first request of an xDS stream must carry node with a non-empty id; check the proxy bootstrap (node.id)',
    );
  }
  if (request.typeUrl !== typeUrl) {
    throw new XdsProtocolError(
      'type-url-mismatch',
      `this stream serves type ${typeUrl} but the request asks for ${request.typeUrl || '(empty)'}; ` +
        'open one stream per type or use the matching service',
    );
  }
  return node;
}

/** Time from the last change of any of `names` to now; undefined when none has a recorded change. */
export function pushLatency(cache: ResourceCache, names: Iterable<string>, now: number): number | undefined {
  let latency: number | undefined;
  for (const name of names) {
    const at = cache.changedAt(name);
    if (at === undefined) continue;
    const value = Math.max(0, now - at);
    latency = latency === undefined ? value : Math.max(latency, value);
  }
  return latency;
}

/** What both engines are built from; one session serves one stream of one type. */
export interface SessionOptions<Res> {
  stream: XdsStream<Res>;
  cache: ResourceCache;
  typeUrl: string;
  nacks: NackLedger;
  observer?: XdsObserver;
  /** Epoch milliseconds, for NACK records and push latency. Default Date.now. */
  now?: () => number;
  /** Default: a process-wide incrementing counter. */
  nonce?: () => string;
}

/** One response as sent: what it carried and what the client held before it, to undo on NACK. */
export interface SentResponse {
  nonce: string;
  /** Each name the response carried, its version, and the client's version before it (undefined: none). */
  carried: Array<readonly [name: string, version: string, before: string | undefined]>;
  /** The names carried, then those removed (Delta only): what observers hear of, built once per response. */
  names: string[];
}

/**
 * The client refused `response`: record every (name, version) it carried in the ledger (so it is never sent
 * to this node again) and put the client's held versions back to what it kept.
 */
export function applyNack(
  response: SentResponse,
  held: Map<string, string>,
  context: { kind: StreamKind; node: NodeInfo; message: string; at: number; nacks: NackLedger; observer?: XdsObserver },
): void {
  const { kind, node, message, at, nacks, observer } = context;
  for (const [name, version, before] of response.carried) {
    const record: NackRecord = { nodeId: node.id, cluster: node.cluster, name, version, message, at };
    nacks.record(record);
    observer?.onNack?.({ kind, record });
    if (held.get(name) !== version) continue; // a later response already moved this name on
    if (before === undefined) held.delete(name);
    else held.set(name, before);
  }
}
