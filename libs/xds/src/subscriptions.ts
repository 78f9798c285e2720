// Which names one stream is interested in, and the cache watches that go with them. Shared by the SotW and
// the Delta engine: explicit names each hold one watch; wildcard holds one watch on every name.
import { WILDCARD, type ResourceCache, type ResourceListener, type WatchScope } from './resource-cache.js';

export class Subscriptions {
  private readonly explicit = new Map<string, () => void>();
  private cancelWildcard: (() => void) | undefined;

  constructor(
    private readonly cache: ResourceCache,
    private readonly listener: ResourceListener,
    /** The stream's node, once known: lets the cache skip this stream when a change cannot concern it. */
    private readonly scope?: WatchScope,
  ) {}

  get wildcard(): boolean {
    return this.cancelWildcard !== undefined;
  }

  /** Turns wildcard on or off; returns true when that changed it. */
  setWildcard(on: boolean): boolean {
    if (on === this.wildcard) return false;
    if (on) {
      this.cancelWildcard = this.cache.watch(WILDCARD, this.listener, this.scope);
    } else {
      this.cancelWildcard?.();
      this.cancelWildcard = undefined;
    }
    return true;
  }

  /** Subscribes one name explicitly; returns false when it already was. */
  add(name: string): boolean {
    if (this.explicit.has(name)) return false;
    this.explicit.set(name, this.cache.watch(name, this.listener, this.scope));
    return true;
  }

  /** Drops one explicit name; returns false when it was not subscribed. */
  remove(name: string): boolean {
    const cancel = this.explicit.get(name);
    if (!cancel) return false;
    cancel();
    this.explicit.delete(name);
    return true;
  }

  isExplicit(name: string): boolean {
    return this.explicit.has(name);
  }

  /** Wildcard covers every name; whether the node sees it is the resolver's business. */
  covers(name: string): boolean {
    return this.wildcard || this.explicit.has(name);
  }

  explicitNames(): string[] {
    return [...this.explicit.keys()];
  }

  /** Every name to look at for a full (re)evaluation: explicit names plus, with wildcard, all stored ones. */
  allNames(): Set<string> {
    const names = new Set(this.explicit.keys());
    if (this.wildcard) for (const name of this.cache.names()) names.add(name);
    return names;
  }

  close(): void {
    this.setWildcard(false);
    for (const cancel of this.explicit.values()) cancel();
    this.explicit.clear();
  }
}
