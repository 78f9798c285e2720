// The State-of-the-World engine for one stream of one type (e.g. ECDS StreamExtensionConfigs).
// It tracks what the client holds (name → version), sends only what differs, matches ACK/NACK by nonce
// against the latest response, and never sends a version the node has refused (the watch is held until
// the resource moves to another version).
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
import type { NodeInfo, SotwRequest, SotwResponse, VersionedResource, XdsObserver, XdsStream } from './types.js';
import { HeldVersions } from './version-digest.js';

const WILDCARD_NAME = '*';

export type SotwSessionOptions = SessionOptions<SotwResponse>;

export class SotwSession {
  private readonly stream: XdsStream<SotwResponse>;
  private readonly cache: ResourceCache;
  private readonly typeUrl: string;
  private readonly nacks: NackLedger;
  private readonly observer: XdsObserver | undefined;
  private readonly now: () => number;
  private readonly nonce: () => string;
  private readonly subscriptions: Subscriptions;
  /** What the client holds after the responses sent so far (NACKed versions taken back out). */
  private readonly held = new HeldVersions();
  private node: NodeInfo | undefined;
  /** The latest response: only a request echoing its nonce is current. */
  private latest: SentResponse | undefined;
  private latestAnswered = false;
  /** The first request was empty: wildcard until the client names resources (xDS "legacy wildcard"). */
  private legacyWildcard = false;
  private closed = false;

  constructor(options: SotwSessionOptions) {
    this.stream = options.stream;
    this.cache = options.cache;
    this.typeUrl = options.typeUrl;
    this.nacks = options.nacks;
    this.observer = options.observer;
    this.now = options.now ?? Date.now;
    this.nonce = options.nonce ?? nextNonce;
    this.subscriptions = new Subscriptions(this.cache, (name) => this.onResourceChange(name), () => this.node);
  }

  /** The node announced by the first request, once there was one. */
  get nodeInfo(): NodeInfo | undefined {
    return this.node;
  }

  /** Handles one request; throws XdsProtocolError when the stream must be closed. */
  handle(request: SotwRequest): void {
    if (this.closed) return;
    const node = checkRequest(this.node, request, this.typeUrl);
    const first = this.node === undefined;
    // Stale: answers an older response. Its subscription is outdated too, so it is ignored entirely.
    // Before this stream's first response any nonce is from a previous stream and is not checked.
    if (this.latest && request.responseNonce !== '' && request.responseNonce !== this.latest.nonce) return;
    this.node = node;
    if (this.latest && request.responseNonce === this.latest.nonce && !this.latestAnswered) {
      this.latestAnswered = true;
      this.answer(node, this.latest, request);
    }
    this.updateSubscriptions(node, request.resourceNames, first);
  }

  /** Cancels every watch; later requests and changes are ignored. */
  close(): void {
    this.closed = true;
    this.subscriptions.close();
  }

  private answer(node: NodeInfo, response: SentResponse, request: SotwRequest): void {
    if (!request.errorDetail) {
      this.observer?.onAck?.({ kind: 'sotw', node, names: response.names });
      return;
    }
    applyNack(response, this.held, {
      kind: 'sotw',
      node,
      message: request.errorDetail.message,
      at: this.now(),
      nacks: this.nacks,
      observer: this.observer,
    });
  }

  private updateSubscriptions(node: NodeInfo, resourceNames: string[], first: boolean): void {
    if (first) this.legacyWildcard = resourceNames.length === 0;
    else if (resourceNames.length > 0) this.legacyWildcard = false;
    const wanted = new Set(resourceNames.filter((name) => name !== WILDCARD_NAME));
    const fresh = new Set<string>();
    const dropped: string[] = [];

    for (const name of this.subscriptions.explicitNames()) {
      if (!wanted.has(name) && this.subscriptions.remove(name)) dropped.push(name);
    }
    for (const name of wanted) if (this.subscriptions.add(name)) fresh.add(name);

    const wildcard = this.legacyWildcard || resourceNames.includes(WILDCARD_NAME);
    if (this.subscriptions.setWildcard(wildcard)) {
      if (wildcard) for (const name of this.cache.names()) fresh.add(name);
      else dropped.push(...this.held.keys());
    }
    // The client drops what it no longer subscribes to; a later re-subscription must send it again.
    for (const name of dropped) if (!this.subscriptions.covers(name)) this.held.delete(name);

    this.push(node, fresh, undefined);
  }

  private onResourceChange(name: string): void {
    if (this.closed || !this.node) return;
    this.push(this.node, [name], pushLatency(this.cache, [name], this.now()));
  }

  /** Sends, in one response, every name in `names` whose version differs from what the client holds. */
  private push(node: NodeInfo, names: Iterable<string>, latencyMs: number | undefined): void {
    const changed = new Map<string, VersionedResource>();
    for (const name of names) {
      if (changed.has(name) || !this.subscriptions.covers(name)) continue;
      const resource = this.cache.resolve(node, name);
      if (!resource) {
        // Omitting does not delete in ECDS SotW: send nothing, but forget it so a re-creation is sent.
        this.held.delete(name);
        continue;
      }
      if (this.held.get(name) === resource.version) continue;
      if (this.nacks.isNacked(node.id, name, resource.version)) continue;
      changed.set(name, resource);
    }
    if (changed.size === 0) return;

    const carried: SentResponse['carried'] = [];
    for (const [name, resource] of changed) {
      carried.push([name, resource.version, this.held.get(name)]);
      this.held.set(name, resource.version);
    }
    const nonce = this.nonce();
    const sent = [...changed.keys()];
    this.latest = { nonce, carried, names: sent };
    this.latestAnswered = false;
    this.stream.send({
      versionInfo: this.held.digest(),
      resources: [...changed.values()].map((resource) => resource.resource),
      typeUrl: this.typeUrl,
      nonce,
    });
    this.observer?.onPush?.({ kind: 'sotw', node, names: sent, latencyMs });
  }
}
