// Test fixtures shared by the engine tests: a fake stream that records what was sent, resources whose
// bytes say which name and version they are, a settable clock and an observer that records events.
import type { NodeInfo, VersionedResource, XdsObserver, XdsStream } from '../src/types.js';

export const TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';

export class FakeStream<Res extends { nonce: string }> implements XdsStream<Res> {
  readonly sent: Res[] = [];
  private read = 0;

  /** `onSend` runs after each send, e.g. to let time pass as a slow write would. */
  constructor(private readonly onSend?: (response: Res) => void) {}

  send(response: Res): void {
    this.sent.push(response);
    this.onSend?.(response);
  }

  /** Responses sent since the last call. */
  take(): Res[] {
    const fresh = this.sent.slice(this.read);
    this.read = this.sent.length;
    return fresh;
  }

  /** Asserts exactly one new response and returns it. */
  one(): Res {
    const fresh = this.take();
    if (fresh.length !== 1) throw new Error(`expected one response, got ${fresh.length}`);
    return fresh[0]!;
  }

  latestNonce(): string {
    const last = this.sent.at(-1);
    if (!last) throw new Error('nothing sent yet');
    return last.nonce;
  }
}

export function node(id: string, cluster = 'east'): NodeInfo {
  return { id, cluster, metadata: {} };
}

export function res(name: string, version: string): VersionedResource {
  return { name, version, resource: { typeUrl: TYPE_URL, value: new TextEncoder().encode(`${name}@${version}`) } };
}

/** "name@version" of an encoded fixture resource. */
export function label(resource: { value: Uint8Array }): string {
  return new TextDecoder().decode(resource.value);
}

export function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Nonces "n1", "n2", ... per fixture, so tests can name them. */
export function nonces(): () => string {
  let n = 0;
  return () => `n${++n}`;
}

export interface ObservedEvents {
  pushes: Array<{ kind: string; nodeId: string; names: string[]; latencyMs: number | undefined }>;
  acks: Array<{ kind: string; nodeId: string; names: string[] }>;
  nacks: Array<{ kind: string; nodeId: string; name: string; version: string }>;
}

export function recordingObserver(): { observer: XdsObserver; events: ObservedEvents } {
  const events: ObservedEvents = { pushes: [], acks: [], nacks: [] };
  const observer: XdsObserver = {
    onPush: (e) => events.pushes.push({ kind: e.kind, nodeId: e.node.id, names: e.names, latencyMs: e.latencyMs }),
    onAck: (e) => events.acks.push({ kind: e.kind, nodeId: e.node.id, names: e.names }),
    onNack: (e) => events.nacks.push({ kind: e.kind, nodeId: e.record.nodeId, name: e.record.name, version: e.record.version }),
  };
  return { observer, events };
}
