// Shared data (key/value with compare-and-swap) and shared queues, scoped by vm_id as in Envoy: every
// VM with the same vm_id in this process sees the same data, which outlives VM reloads. One instance
// per process by default; tests and sandboxes pass their own.

import { WasmResult } from './abi-constants.js';

interface Entry {
  value: Uint8Array;
  cas: number;
}

/** Who is told when a queue gets data: the root context that registered it, in the VM that did. */
export interface QueueOwner {
  notifyQueueReady(token: number): void;
}

interface Queue {
  items: Uint8Array[];
  owner: QueueOwner;
}

export class SharedState {
  private data = new Map<string, Map<string, Entry>>();
  private lastCas = 0;
  private queues = new Map<number, Queue>();
  private queueTokens = new Map<string, number>();
  private lastToken = 0;

  private nextCas(): number {
    this.lastCas = this.lastCas >= 0xffffffff ? 1 : this.lastCas + 1;
    return this.lastCas;
  }

  getData(vmId: string, key: string): Entry | undefined {
    return this.data.get(vmId)?.get(key);
  }

  /** `cas` 0 writes unconditionally; otherwise it must match the entry's current cas. */
  setData(vmId: string, key: string, value: Uint8Array, cas: number): number {
    let scope = this.data.get(vmId);
    if (!scope) this.data.set(vmId, (scope = new Map()));
    const current = scope.get(key);
    if (current && cas !== 0 && cas !== current.cas) return WasmResult.CasMismatch;
    scope.set(key, { value, cas: this.nextCas() });
    return WasmResult.Ok;
  }

  /** Registers (or re-registers, after a VM reload) a queue; answers its token. */
  registerQueue(vmId: string, name: string, owner: QueueOwner): number {
    const id = `${vmId}\0${name}`;
    let token = this.queueTokens.get(id);
    if (token === undefined) {
      token = ++this.lastToken;
      this.queueTokens.set(id, token);
      this.queues.set(token, { items: [], owner });
    } else {
      this.queues.get(token)!.owner = owner;
    }
    return token;
  }

  resolveQueue(vmId: string, name: string): number | undefined {
    return this.queueTokens.get(`${vmId}\0${name}`);
  }

  enqueue(token: number, value: Uint8Array): number {
    const queue = this.queues.get(token);
    if (!queue) return WasmResult.NotFound;
    queue.items.push(value);
    // Envoy posts on_queue_ready to the owner's thread; here it runs once the current callback is over.
    setImmediate(() => queue.owner.notifyQueueReady(token));
    return WasmResult.Ok;
  }

  dequeue(token: number): { status: number; value?: Uint8Array } {
    const queue = this.queues.get(token);
    if (!queue) return { status: WasmResult.NotFound };
    const value = queue.items.shift();
    return value ? { status: WasmResult.Ok, value } : { status: WasmResult.Empty };
  }
}

export const processSharedState = new SharedState();
