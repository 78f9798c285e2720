// An incremental (Delta) xDS client for explicitly named resources: subscribes, applies each response,
// ACKs or NACKs it, and on a new stream tells the server what it already has (initial_resource_versions).
import type { DeltaRequest, DeltaResponse, NodeInfo } from '../types.js';
import { NACK_CODE_INTERNAL, SerialQueue, type ResourceApplier } from './resource-applier.js';

export interface DeltaClientOptions {
  node: NodeInfo;
  typeUrl: string;
  names: string[];
  applier: ResourceApplier;
}

export class DeltaClient {
  /** name → version of what was applied and ACKed. */
  private readonly held = new Map<string, string>();
  private readonly queue = new SerialQueue();
  private send: ((req: DeltaRequest) => void) | undefined;

  constructor(private readonly opts: DeltaClientOptions) {}

  connect(send: (req: DeltaRequest) => void): void {
    this.send = send;
    send({
      node: this.opts.node,
      typeUrl: this.opts.typeUrl,
      resourceNamesSubscribe: this.opts.names,
      resourceNamesUnsubscribe: [],
      initialResourceVersions: Object.fromEntries(this.held),
      responseNonce: '',
    });
  }

  versions(): Record<string, string> {
    return Object.fromEntries(this.held);
  }

  onResponse(res: DeltaResponse): Promise<void> {
    const send = this.send;
    return this.queue.push(async () => {
      let rejection: string | undefined;
      try {
        rejection = await this.opts.applier.apply({ updated: res.resources, removed: res.removedResources });
      } catch (err) {
        rejection = (err as Error).message;
      }
      if (rejection === undefined) {
        for (const r of res.resources) this.held.set(r.name, r.version);
        for (const name of res.removedResources) this.held.delete(name);
      }
      if (send !== this.send || !send) return;
      send({
        typeUrl: this.opts.typeUrl,
        resourceNamesSubscribe: [],
        resourceNamesUnsubscribe: [],
        initialResourceVersions: {},
        responseNonce: res.nonce,
        ...(rejection !== undefined && { errorDetail: { code: NACK_CODE_INTERNAL, message: rejection } }),
      });
    });
  }
}
