// A State-of-the-World xDS client for explicitly named resources (how Envoy subscribes to ECDS):
// subscribes, applies each response, ACKs it or NACKs it keeping the last good version, and
// resubscribes on a new stream with the version it holds.
import type { AnyMessage, NodeInfo, SotwRequest, SotwResponse } from '../types.js';
import { NACK_CODE_INTERNAL, SerialQueue, type ResourceApplier } from './resource-applier.js';

export interface SotwClientOptions {
  node: NodeInfo;
  typeUrl: string;
  names: string[];
  applier: ResourceApplier;
  /** SotW resources carry their name inside the message: the caller knows how to read it. */
  nameOf: (resource: AnyMessage) => string;
}

export class SotwClient {
  private acceptedVersion = '';
  private readonly queue = new SerialQueue();
  private send: ((req: SotwRequest) => void) | undefined;

  constructor(private readonly opts: SotwClientOptions) {}

  /** Starts (or restarts, after a reconnect) on a new stream. */
  connect(send: (req: SotwRequest) => void): void {
    this.send = send;
    send({
      versionInfo: this.acceptedVersion,
      node: this.opts.node,
      resourceNames: this.opts.names,
      typeUrl: this.opts.typeUrl,
      responseNonce: '',
    });
  }

  /** The version of the last response this client ACKed. */
  get version(): string {
    return this.acceptedVersion;
  }

  onResponse(res: SotwResponse): Promise<void> {
    const send = this.send;
    return this.queue.push(async () => {
      let rejection: string | undefined;
      try {
        const updated = res.resources.map((resource) => ({ name: this.opts.nameOf(resource), version: res.versionInfo, resource }));
        rejection = await this.opts.applier.apply({ updated, removed: [] });
      } catch (err) {
        rejection = (err as Error).message;
      }
      if (rejection === undefined) this.acceptedVersion = res.versionInfo;
      // A reply on a stream that has since been replaced would carry a stale nonce: drop it.
      if (send !== this.send || !send) return;
      send({
        versionInfo: this.acceptedVersion,
        resourceNames: this.opts.names,
        typeUrl: this.opts.typeUrl,
        responseNonce: res.nonce,
        ...(rejection !== undefined && { errorDetail: { code: NACK_CODE_INTERNAL, message: rejection } }),
      });
    });
  }
}
