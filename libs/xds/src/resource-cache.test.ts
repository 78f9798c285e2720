import { describe, expect, it } from 'vitest';
import { clock, node, res } from '../test/fixtures.js';
import { ResourceCache, WILDCARD } from './resource-cache.js';
import type { NodeInfo, ResourceResolver } from './types.js';

describe('ResourceCache', () => {
  it('fans a change out to each of 10,000 watchers of that name once, and to no watcher of another name', () => {
    const cache = new ResourceCache();
    const calls = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) cache.watch('a', () => calls.set(i, (calls.get(i) ?? 0) + 1));
    let otherCalls = 0;
    cache.watch('b', () => otherCalls++);

    const started = performance.now();
    cache.set(res('a', 'v1'));
    const elapsedMs = performance.now() - started;

    expect(calls.size).toBe(10_000);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(otherCalls).toBe(0);
    expect(elapsedMs).toBeLessThan(500); // generous: a linear fan-out takes a few milliseconds
  });

  it.each([
    ['a new name', [], res('a', 'v1'), 1],
    ['a new version', [res('a', 'v1')], res('a', 'v2'), 1],
    ['the same version again', [res('a', 'v1')], res('a', 'v1'), 0],
  ])('set() of %s notifies %i time(s)', (_case, before, change, expected) => {
    const cache = new ResourceCache();
    for (const r of before) cache.set(r);
    let notified = 0;
    cache.watch('a', () => notified++);
    cache.set(change);
    expect(notified).toBe(expected);
    expect(cache.getBase('a')?.version).toBe(change.version);
  });

  it('delete() notifies only when the name was stored, and records when', () => {
    const t = clock(5_000);
    const cache = new ResourceCache({ now: t.now });
    const seen: string[] = [];
    cache.watch('a', (name) => seen.push(name));
    expect(cache.delete('a')).toBe(false);
    expect(seen).toEqual([]);
    cache.set(res('a', 'v1'));
    expect(cache.changedAt('a')).toBe(5_000);
    t.advance(250);
    expect(cache.delete('a')).toBe(true);
    expect(seen).toEqual(['a', 'a']);
    expect(cache.changedAt('a')).toBe(5_250);
    expect(cache.getBase('a')).toBeUndefined();
    expect(cache.names()).toEqual([]);
  });

  it('wildcard watchers hear every name; cancel stops notifications and frees the watch', () => {
    const cache = new ResourceCache();
    const seen: string[] = [];
    const cancel = cache.watch(WILDCARD, (name) => seen.push(name));
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    expect(seen).toEqual(['a', 'b']);
    cancel();
    cancel(); // idempotent
    cache.set(res('a', 'v2'));
    expect(seen).toEqual(['a', 'b']);
    expect(cache.watcherCount(WILDCARD)).toBe(0);
  });

  it('invalidate(names) notifies those names; invalidate() every stored or watched name, once each', () => {
    const t = clock(100);
    const cache = new ResourceCache({ now: t.now });
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    const direct: string[] = [];
    const all: string[] = [];
    cache.watch('a', (name) => direct.push(name));
    cache.watch('not-yet', (name) => direct.push(name));
    cache.watch(WILDCARD, (name) => all.push(name));

    t.advance(10);
    cache.invalidate(['b']);
    expect(direct).toEqual([]);
    expect(all).toEqual(['b']);
    expect(cache.changedAt('b')).toBe(110);
    expect(cache.changedAt('a')).toBe(100);

    all.length = 0;
    cache.invalidate();
    expect(direct.sort()).toEqual(['a', 'not-yet']);
    expect(all.sort()).toEqual(['a', 'b', 'not-yet']);
  });

  it('resolve() goes through the resolver; setResolver() re-evaluates every watcher', () => {
    const cache = new ResourceCache();
    cache.set(res('a', 'v1'));
    expect(cache.resolve(node('n1'), 'a')?.version).toBe('v1');
    let notified = 0;
    cache.watch('a', () => notified++);
    const canary: ResourceResolver = (n, name, base) => (n.id === 'canary' && base ? res(name, `${base.version}-canary`) : base);
    cache.setResolver(canary);
    expect(notified).toBe(1);
    expect(cache.resolve(node('canary'), 'a')?.version).toBe('v1-canary');
    expect(cache.resolve(node('n1'), 'a')?.version).toBe('v1');
  });

  it('keeps notifying the other watchers when one throws, then reports the error', () => {
    const cache = new ResourceCache();
    let reached = 0;
    cache.watch('a', () => {
      throw new Error('stream closed');
    });
    cache.watch('a', () => reached++);
    expect(() => cache.set(res('a', 'v1'))).toThrow('stream closed');
    expect(reached).toBe(1);
    expect(cache.getBase('a')?.version).toBe('v1');
  });

  it('a listener that cancels itself during fan-out does not skip the others', () => {
    const cache = new ResourceCache();
    const order: number[] = [];
    const cancel = cache.watch('a', () => {
      order.push(1);
      cancel();
    });
    cache.watch('a', () => order.push(2));
    cache.set(res('a', 'v1'));
    cache.set(res('a', 'v2'));
    expect(order).toEqual([1, 2, 2]);
  });
});

describe('ResourceCache fan-out in batches', () => {
  it('calls the first batch at once and the rest on later turns of the event loop, each listener once', async () => {
    const cache = new ResourceCache({ fanOutBatch: 3 });
    const calls: number[] = [];
    for (let i = 0; i < 8; i++) cache.watch('a', () => calls.push(i));
    cache.set(res('a', '1'));
    expect(calls).toEqual([0, 1, 2]);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([0, 1, 2, 3, 4, 5]);
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reports errors of later batches to onListenerError', async () => {
    const errors: unknown[] = [];
    const cache = new ResourceCache({ fanOutBatch: 1, onListenerError: (e) => errors.push(e) });
    cache.watch('a', () => undefined);
    cache.watch('a', () => {
      throw new Error('broken stream');
    });
    cache.set(res('a', '1'));
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toEqual([new Error('broken stream')]);
  });
});

describe('ResourceCache scoped invalidation', () => {
  it('tells only the watchers whose node the change concerns, and every watcher without a known node', () => {
    const cache = new ResourceCache();
    const told: string[] = [];
    cache.watch('a', () => told.push('east'), () => node('p-east', 'east'));
    cache.watch('a', () => told.push('west'), () => node('p-west', 'west'));
    cache.watch('a', () => told.push('unknown'), () => undefined);
    cache.watch('a', () => told.push('unscoped'));
    cache.invalidate(['a'], (n) => n.cluster === 'east');
    expect(told.sort()).toEqual(['east', 'unknown', 'unscoped']);
  });

  it('tells every watcher on set(), whatever their node', () => {
    const cache = new ResourceCache();
    const told: string[] = [];
    cache.watch('a', () => told.push('east'), () => node('p-east', 'east'));
    cache.watch('a', () => told.push('west'), () => node('p-west', 'west'));
    cache.set(res('a', '1'));
    expect(told.sort()).toEqual(['east', 'west']);
  });
});

describe('ResourceCache.invalidateNodes', () => {
  const nodeOf = (id: string): NodeInfo => ({ id, cluster: 'c', metadata: {} });

  it('tells exactly the watchers of the given nodes (and those without a node), across watch changes', () => {
    const cache = new ResourceCache();
    const nodes = Array.from({ length: 6 }, (_, i) => nodeOf(`n${i}`));
    const told: string[] = [];
    const cancels = nodes.map((node) => cache.watch('a', (name) => told.push(`${node.id}:${name}`), () => node));
    cache.watch(WILDCARD, (name) => told.push(`wild-n5:${name}`), () => nodes[5]);
    cache.watch('a', (name) => told.push(`nobody:${name}`));
    cache.watch('b', (name) => told.push(`n1-on-b:${name}`), () => nodes[1]);

    cache.invalidateNodes('a', [nodes[1]!, nodes[5]!]);
    expect(told.sort()).toEqual(['n1:a', 'n5:a', 'nobody:a', 'wild-n5:a']);

    told.length = 0;
    cancels[1]!(); // the index must forget the cancelled watch
    const late = nodeOf('late');
    cache.watch('a', (name) => told.push(`late:${name}`), () => late);
    cache.invalidateNodes('a', [nodes[1]!, late]);
    expect(told.sort()).toEqual(['late:a', 'nobody:a']);
    expect(cache.changedAt('a')).toBeDefined();
  });
});

describe('ResourceCache.notifyTogether', () => {
  it('holds the notifications of several changes and tells each listener its names in a row, a listener never split over batches', async () => {
    const cache = new ResourceCache({ fanOutBatch: 2 });
    const heard: string[] = [];
    for (const id of ['x', 'y', 'z']) {
      const listener = (name: string) => heard.push(`${id}:${name}`); // one per stream, as a session's
      cache.watch('a', listener);
      cache.watch('b', listener);
    }
    cache.notifyTogether(() => {
      cache.set(res('a', 'v1'));
      cache.set(res('b', 'v1'));
      expect(heard).toEqual([]); // held until the changes are done
    });
    // x and y have 2 names each: a batch of 2 calls grows to keep a listener's names together.
    expect(heard).toEqual(['x:a', 'x:b']);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual(['x:a', 'x:b', 'y:a', 'y:b', 'z:a', 'z:b']);
  });
});
