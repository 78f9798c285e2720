// The Incremental (Delta) xDS engine for one stream of one type (e.g. ECDS DeltaExtensionConfigs).
// Subscriptions change by diff on every request, even one with a stale nonce; each response is ACKed or
// NACKed by its own nonce, so several may be in flight. Like SotW, a version the node refused is never
// sent to it again: the watch is held until the resource moves to another version.
import type { NackLedger } from './nack-ledger.js';
import type { ResourceCache } from './resource-cache.js';
import {
  applyNack,
  checkRequest,
  nextNonce,
  pushLatency,
  type SentResponse,
  type SessionOptions,
} from './session-support.js';
import { Subscriptions } from './subscriptions.js';
import type { DeltaRequest, DeltaResource, DeltaResponse, NodeInfo, XdsObserver, XdsStream } from './types.js';
import { HeldVersions } from './version-digest.js';

const WILDCARD_NAME = '*';
const NOTHING_FORCED: ReadonlySet<string> = new Set();

/**
 * Responses awaiting ACK/NACK that are remembered; beyond this the oldest is forgotten and its late answer
 * treated as stale. Envoy answers every response, so this only bounds a client that never answers.
 */
export const MAX_DELTA_IN_FLIGHT = 1024;

export interface DeltaSessionOptions extends SessionOptions<DeltaResponse> {
  /**
   * Changes heard in one task go out in one response (sent from a microtask): when a control plane applies
   * several changes at once, a stream that several of them concern gets one response and sends one ACK
   * instead of one per change. Default: each change is sent as soon as it is heard.
   */
  coalesceChanges?: boolean;
}

export class DeltaSession {
  private readonly stream: XdsStream<DeltaResponse>;
  private readonly cache: ResourceCache;
  private readonly typeUrl: string;
  private readonly nacks: NackLedger;
  private readonly observer: XdsObserver | undefined;
  private readonly now: () => number;
  private readonly nonce: () => string;
  private readonly subscriptions: Subscriptions;
  /** What the client holds after the responses sent so far (NACKed versions taken back out). */
  private readonly held = new HeldVersions();
  /** nonce → response not yet ACKed or NACKed, oldest first. */
  private readonly inFlight = new Map<string, SentResponse>();
  private node: NodeInfo | undefined;
  private closed = false;
  private readonly coalesce: boolean;
  /** Names changed since the last send, while a coalesced send is due. */
  private pending: Set<string> | undefined;

  constructor(options: DeltaSessionOptions) {
    this.stream = options.stream;
    this.cache = options.cache;
    this.typeUrl = options.typeUrl;
    this.nacks = options.nacks;
    this.observer = options.observer;
    this.now = options.now ?? Date.now;
    this.nonce = options.nonce ?? nextNonce;
    this.coalesce = options.coalesceChanges ?? false;
    this.subscriptions = new Subscriptions(this.cache, (name) => this.onResourceChange(name), () => this.node);
  }

  /** The node announced by the first request, once there was one. */
  get nodeInfo(): NodeInfo | undefined {
    return this.node;
  }

  /** Handles one request; throws XdsProtocolError when the stream must be closed. */
  handle(request: DeltaRequest): void {
    if (this.closed) return;
    const node = checkRequest(this.node, request, this.typeUrl);
    const first = this.node === undefined;
    this.node = node;
    if (request.responseNonce !== '') this.answer(node, request);
    // The common request by far: a plain ACK/NACK, which changes no subscription and so sends nothing.
    if (!first && request.resourceNamesSubscribe.length === 0 && request.resourceNamesUnsubscribe.length === 0) return;

    const touched = new Set<string>();
    // Re-subscribing a name the client already has must resend it; on the first request the client's
    // initial_resource_versions say what it has, and those are not resent.
    const forced = new Set<string>();
    if (first) {
      for (const [name, version] of Object.entries(request.initialResourceVersions)) {
        this.held.set(name, version);
        touched.add(name);
      }
    }

    const subscribe = request.resourceNamesSubscribe;
    if ((first && subscribe.length === 0) || subscribe.includes(WILDCARD_NAME)) {
      if (this.subscriptions.setWildcard(true)) for (const name of this.cache.names()) touched.add(name);
    }
    for (const name of subscribe) {
      if (name === WILDCARD_NAME) continue;
      this.subscriptions.add(name);
      touched.add(name);
      if (!first) forced.add(name);
    }

    // Applied after subscribe: a name in both lists ends up unsubscribed.
    const dropped: string[] = [];
    for (const name of request.resourceNamesUnsubscribe) {
      if (name === WILDCARD_NAME) {
        if (this.subscriptions.setWildcard(false)) dropped.push(...this.held.keys());
      } else {
        this.subscriptions.remove(name);
        dropped.push(name);
      }
    }
    // The client forgets what it unsubscribed: no removal is owed for it, and a re-subscription resends it.
    for (const name of dropped) {
      if (this.subscriptions.covers(name)) continue;
      this.held.delete(name);
      touched.delete(name);
    }
    // A claimed version for a name the client does not subscribe to is not ours to track.
    if (first) for (const name of touched) if (!this.subscriptions.covers(name)) this.held.delete(name);

    this.push(node, touched, forced, undefined);
  }

  /** Cancels every watch; later requests and changes are ignored. */
  close(): void {
    this.closed = true;
    this.subscriptions.close();
    this.inFlight.clear();
  }

  private answer(node: NodeInfo, request: DeltaRequest): void {
    const response = this.inFlight.get(request.responseNonce);
    if (!response) return; // stale or already answered: only the subscription part counts
    this.inFlight.delete(request.responseNonce);
    if (!request.errorDetail) {
      this.observer?.onAck?.({ kind: 'delta', node, names: response.names });
      return;
    }
    applyNack(response, this.held, {
      kind: 'delta',
      node,
      message: request.errorDetail.message,
      at: this.now(),
      nacks: this.nacks,
      observer: this.observer,
    });
  }

  private onResourceChange(name: string): void {
    if (this.closed || !this.node) return;
    if (!this.coalesce) return this.push(this.node, [name], NOTHING_FORCED, pushLatency(this.cache, [name], this.now()));
    if (this.pending) return void this.pending.add(name);
    this.pending = new Set([name]);
    if (DeltaSession.due.push(this) === 1) queueMicrotask(DeltaSession.sendDue);
  }

  /** Sessions with coalesced changes to send, all in one microtask (thousands may be due after one fan-out). */
  private static readonly due: DeltaSession[] = [];

  private static sendDue(this: void): void {
    const due = DeltaSession.due.splice(0);
    for (const session of due) {
      try {
        session.sendPending();
      } catch (error) {
        // One broken stream must not keep the others from their update (as in ResourceCache's fan-out).
        console.error('xDS push failed:', error);
      }
    }
  }

  private sendPending(): void {
    const names = this.pending;
    this.pending = undefined;
    if (!names || this.closed || !this.node) return;
    this.push(this.node, names, NOTHING_FORCED, pushLatency(this.cache, names, this.now()));
  }

  /**
   * Sends, in one response, each name in `names` whose version differs from what the client holds (or that
   * is `forced`), and removes each the client holds that this node no longer sees.
   */
  private push(node: NodeInfo, names: ReadonlySet<string> | readonly [string], forced: ReadonlySet<string>, latencyMs: number | undefined): void {
    // Allocated only when there is something to send: a fan-out asks many streams that need nothing.
    let carried: SentResponse['carried'] | undefined;
    let resources: DeltaResource[] | undefined;
    let removed: string[] | undefined;
    for (const name of names) {
      if (!this.subscriptions.covers(name)) continue;
      const resource = this.cache.resolve(node, name);
      if (!resource) {
        if (this.held.has(name)) (removed ??= []).push(name);
        continue;
      }
      const before = this.held.get(name);
      if (!forced.has(name) && before === resource.version) continue;
      if (this.nacks.isNacked(node.id, name, resource.version)) continue;
      (carried ??= []).push([name, resource.version, before]);
      (resources ??= []).push({ name, version: resource.version, resource: resource.resource });
    }
    if (!carried && !removed) return;

    const sent: string[] = [];
    if (carried) {
      for (const [name, version] of carried) {
        this.held.set(name, version);
        sent.push(name);
      }
    }
    if (removed) {
      for (const name of removed) {
        this.held.delete(name);
        sent.push(name);
      }
    }
    const nonce = this.nonce();
    this.remember({ nonce, carried: carried ?? [], names: sent });
    this.stream.send({ systemVersionInfo: this.held.digest(), resources: resources ?? [], removedResources: removed ?? [], typeUrl: this.typeUrl, nonce });
    this.observer?.onPush?.({ kind: 'delta', node, names: sent, latencyMs });
  }

  private remember(response: SentResponse): void {
    this.inFlight.set(response.nonce, response);
    if (this.inFlight.size > MAX_DELTA_IN_FLIGHT) {
      const oldest = this.inFlight.keys().next();
      if (!oldest.done) this.inFlight.delete(oldest.value);
    }
  }
}
