// Keeps the ECDS resource cache equal to the slots in Redis: a full load at start and after every
// reconnect of the subscriber, then one reload per change announced on pub/sub (from any replica).
import type { Redis } from 'ioredis';
import type { ResourceCache } from '@wasmfleet/xds';
import { slotResource } from '../slots/slot-resource.js';
import type { SlotStore } from '../slots/slot-store.js';

export class SlotCacheSync {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SlotStore,
    private readonly subscriber: Redis,
    private readonly cache: ResourceCache,
    private readonly log: (message: string) => void,
  ) {}

  /** Subscribes first, then loads, so no change between the two is missed. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, name: string) => {
      if (channel === this.store.channel) this.enqueue(() => this.reload(name));
    });
    // ioredis re-subscribes after a reconnect; changes made meanwhile were missed, so load everything again.
    this.subscriber.on('ready', () => this.enqueue(() => this.loadAll()));
    await this.subscriber.subscribe(this.store.channel);
    await this.loadAll();
  }

  /** Serialises reloads so an older read never overwrites a newer one. */
  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: Error) => this.log(`slot cache sync: ${err.message}`));
  }

  private async reload(name: string): Promise<void> {
    const slot = await this.store.get(name);
    if (slot) this.cache.set(slotResource(slot));
    else this.cache.delete(name);
  }

  private async loadAll(): Promise<void> {
    const slots = await this.store.list();
    const present = new Set(slots.map((s) => s.name));
    for (const name of this.cache.names()) if (!present.has(name)) this.cache.delete(name);
    for (const slot of slots) this.cache.set(slotResource(slot));
  }

  /** Resolves when every change heard so far is in the cache (for orderly shutdown and tests). */
  settled(): Promise<void> {
    return this.chain;
  }
}
