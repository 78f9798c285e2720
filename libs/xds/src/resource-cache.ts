// The per-resource-versioned store the xDS engines read from (the idea of go-control-plane's linear cache):
// each name carries its own version, watchers are kept per name, and what one node sees is decided by a
// pluggable resolver (e.g. a canary variant for some nodes). The cache only says "this name may have
// changed"; each session resolves the name for its own node and decides whether anything must be sent.
import type { NodeInfo, ResourceResolver, VersionedResource } from './types.js';

/** Called with the name that may have changed (for a wildcard watch, any name). */
export type ResourceListener = (name: string) => void;

/** The node a watch serves, when known: lets invalidate() skip nodes whose view cannot have changed. */
export type WatchScope = () => NodeInfo | undefined;

/** The name to watch for every name, present and future. */
export const WILDCARD = '*';

export interface ResourceCacheOptions {
  /** Defaults to returning `base` unchanged: every node sees the stored resource. */
  resolver?: ResourceResolver;
  /** Epoch milliseconds; tests set it. */
  now?: () => number;
  /**
   * Calls at most this many listeners in one go, the rest after setImmediate, so a push to thousands of
   * streams lets their writes reach the sockets (and other requests be served) while it goes on.
   * Default: all at once, synchronously.
   */
  fanOutBatch?: number;
  /** Where errors of listeners called in a later batch go (the caller of set() has returned by then). */
  onListenerError?: (error: unknown) => void;
}

interface NodeIndex {
  byNode: Map<NodeInfo, ResourceListener[]>;
  /** Watchers whose node is not known (yet): always told. */
  unscoped: ResourceListener[];
}

const identityResolver: ResourceResolver = (_node, _name, base) => base;

export class ResourceCache {
  private readonly bases = new Map<string, VersionedResource>();
  private readonly changed = new Map<string, number>();
  /** name (or WILDCARD) → listeners: a change fans out to the watchers of that name only. */
  private readonly watchers = new Map<string, Map<ResourceListener, WatchScope | undefined>>();
  /** Calls held back by notifyTogether() until its changes are done. */
  private held: Array<[ResourceListener, string]> | undefined;
  /** name → its watchers by node, for invalidateNodes(); dropped when the name's watches change. */
  private readonly nodeIndexes = new Map<string, NodeIndex>();
  /** name (or WILDCARD) → how many times its watches were added or cancelled: see watchGeneration(). */
  private readonly watchChanges = new Map<string, number>();
  private resolver: ResourceResolver;
  private readonly now: () => number;
  private readonly fanOutBatch: number;
  private readonly onListenerError: (error: unknown) => void;

  constructor(options: ResourceCacheOptions = {}) {
    this.fanOutBatch = options.fanOutBatch ?? Number.POSITIVE_INFINITY;
    this.onListenerError = options.onListenerError ?? ((error) => console.error('resource watcher failed:', error));
    this.resolver = options.resolver ?? identityResolver;
    this.now = options.now ?? Date.now;
  }

  /** Stores a resource; watchers are told only when its version differs from the stored one. */
  set(resource: VersionedResource): void {
    const current = this.bases.get(resource.name);
    this.bases.set(resource.name, resource);
    if (current?.version === resource.version) return;
    this.changed.set(resource.name, this.now());
    this.notify([resource.name]);
  }

  /** Removes a resource; returns false (and tells no one) when it was not stored. */
  delete(name: string): boolean {
    if (!this.bases.delete(name)) return false;
    this.changed.set(name, this.now());
    this.notify([name]);
    return true;
  }

  getBase(name: string): VersionedResource | undefined {
    return this.bases.get(name);
  }

  /** What `node` sees under `name`, or undefined when it sees nothing. */
  resolve(node: NodeInfo, name: string): VersionedResource | undefined {
    return this.resolver(node, name, this.bases.get(name));
  }

  /** All stored names (what a wildcard subscription starts from). */
  names(): string[] {
    return [...this.bases.keys()];
  }

  /** The `now()` of the last set (with a new version), delete or invalidate of `name`. */
  changedAt(name: string): number | undefined {
    return this.changed.get(name);
  }

  /** Watches one name, or every name with WILDCARD. Returns the cancel function (idempotent). */
  watch(name: string, listener: ResourceListener, scope?: WatchScope): () => void {
    let listeners = this.watchers.get(name);
    if (!listeners) {
      listeners = new Map();
      this.watchers.set(name, listeners);
    }
    listeners.set(listener, scope);
    this.countWatchChange(name);
    return () => {
      const current = this.watchers.get(name);
      if (!current?.delete(listener)) return;
      this.countWatchChange(name);
      if (current.size === 0) this.watchers.delete(name);
    };
  }

  private countWatchChange(name: string): void {
    this.watchChanges.set(name, (this.watchChanges.get(name) ?? 0) + 1);
    // A node index must not outlive the watches it was built from (nor keep closed streams alive).
    if (name === WILDCARD) this.nodeIndexes.clear();
    else this.nodeIndexes.delete(name);
  }

  /**
   * Changes whenever a watch of `name` (or a wildcard watch) is added or cancelled, so a caller that keeps
   * an index of watchedNodes(name) knows when to rebuild it.
   */
  watchGeneration(name: string): number {
    return (this.watchChanges.get(name) ?? 0) + (name === WILDCARD ? 0 : (this.watchChanges.get(WILDCARD) ?? 0));
  }

  /** The known nodes of the watches of `name`, wildcard watches included (each node once). */
  watchedNodes(name: string): Set<NodeInfo> {
    return new Set(this.nodeIndexOf(name).byNode.keys());
  }

  /** Number of listeners on `name` (or WILDCARD); for tests and metrics. */
  watcherCount(name: string): number {
    return this.watchers.get(name)?.size ?? 0;
  }

  /**
   * The resolver's inputs changed (e.g. a canary moved to more nodes): tell the watchers of `names`, or of
   * every stored or watched name. Sessions whose view did not change send nothing.
   */
  invalidate(names?: string[], affects?: (node: NodeInfo) => boolean): void {
    const targets = names ?? this.knownNames();
    const at = this.now();
    for (const name of targets) this.changed.set(name, at);
    this.notify(targets, affects);
  }

  /**
   * Like invalidate([name], node => nodes has it), for a caller that already knows which nodes' view changed:
   * finds their watchers through an index by node instead of asking every watcher (watchers whose node is not
   * known yet are told anyway). The index is dropped whenever a watch of `name` is added or cancelled.
   */
  invalidateNodes(name: string, nodes: Iterable<NodeInfo>): void {
    this.changed.set(name, this.now());
    const index = this.nodeIndexOf(name);
    const calls: Array<[ResourceListener, string]> = index.unscoped.map((listener) => [listener, name]);
    for (const node of nodes) for (const listener of index.byNode.get(node) ?? []) calls.push([listener, name]);
    this.callAll(calls);
  }

  private nodeIndexOf(name: string): NodeIndex {
    let index = this.nodeIndexes.get(name);
    if (index) return index;
    index = { byNode: new Map(), unscoped: [] };
    for (const key of name === WILDCARD ? [name] : [name, WILDCARD]) {
      for (const [listener, scope] of this.watchers.get(key) ?? []) {
        const node = scope?.();
        if (!node) index.unscoped.push(listener);
        else if (!index.byNode.get(node)?.push(listener)) index.byNode.set(node, [listener]);
      }
    }
    this.nodeIndexes.set(name, index);
    return index;
  }

  /** Replaces the resolver and re-evaluates every watcher. */
  setResolver(resolver: ResourceResolver): void {
    this.resolver = resolver;
    this.invalidate();
  }

  private knownNames(): string[] {
    const all = new Set(this.bases.keys());
    for (const name of this.watchers.keys()) if (name !== WILDCARD) all.add(name);
    return [...all];
  }

  /**
   * Calls the watchers of each name, then the wildcard watchers. A listener that throws does not stop the
   * fan-out to the others (one broken stream must not starve the fleet); the errors of the first batch are
   * rethrown together afterwards so the caller still learns of them, later batches report to onListenerError.
   */
  private notify(names: Iterable<string>, affects?: (node: NodeInfo) => boolean): void {
    // Snapshot: listeners may cancel or add watches while being called.
    const calls: Array<[ResourceListener, string]> = [];
    const add = (name: string, listeners: Map<ResourceListener, WatchScope | undefined> | undefined) => {
      for (const [listener, scope] of listeners ?? []) {
        const node = affects && scope?.();
        if (!node || affects!(node)) calls.push([listener, name]);
      }
    };
    for (const name of names) {
      add(name, this.watchers.get(name));
      if (name !== WILDCARD) add(name, this.watchers.get(WILDCARD));
    }
    this.callAll(calls);
  }

  /**
   * Runs `changes` (set, delete, invalidate… calls) and tells the watchers afterwards, each listener all of
   * its names in a row: a session that coalesces what it hears in one task then answers several changes
   * with one response.
   */
  notifyTogether(changes: () => void): void {
    if (this.held) return changes();
    const held: Array<[ResourceListener, string]> = [];
    this.held = held;
    try {
      changes();
    } finally {
      this.held = undefined;
    }
    const byListener = new Map<ResourceListener, string[]>();
    for (const [listener, name] of held) {
      if (!byListener.get(listener)?.push(name)) byListener.set(listener, [name]);
    }
    this.callAll([...byListener].flatMap(([listener, names]) => names.map((name): [ResourceListener, string] => [listener, name])));
  }

  private callAll(calls: Array<[ResourceListener, string]>): void {
    if (this.held) {
      for (const call of calls) this.held.push(call);
      return;
    }
    const errors = this.callBatch(calls, 0);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resource watchers failed`);
  }

  /** Calls one batch starting at `from`, schedules the next; returns this batch's errors. */
  private callBatch(calls: Array<[ResourceListener, string]>, from: number): unknown[] {
    const errors: unknown[] = [];
    let end = Math.min(calls.length, from + this.fanOutBatch);
    while (end < calls.length && calls[end]![0] === calls[end - 1]![0]) end++; // a listener's names stay in one batch
    for (let i = from; i < end; i++) {
      const [listener, name] = calls[i]!;
      try {
        listener(name);
      } catch (error) {
        errors.push(error);
      }
    }
    if (end < calls.length) {
      setImmediate(() => {
        for (const error of this.callBatch(calls, end)) this.onListenerError(error);
      });
    }
    return errors;
  }
}
