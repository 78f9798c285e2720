import { describe, expect, it } from 'vitest';
import { clock, FakeStream, node, nonces, recordingObserver, res, TYPE_URL } from '../test/fixtures.js';
import { DeltaSession } from './delta-session.js';
import { XdsProtocolError } from './errors.js';
import { NackLedger } from './nack-ledger.js';
import { ResourceCache, WILDCARD } from './resource-cache.js';
import type { DeltaRequest, DeltaResponse, NodeInfo, ResourceResolver } from './types.js';

function fixture(options: { cache?: ResourceCache } = {}) {
  const t = clock();
  const cache = options.cache ?? new ResourceCache({ now: t.now });
  const nacks = new NackLedger();
  const { observer, events } = recordingObserver();
  const open = () => {
    const stream = new FakeStream<DeltaResponse>();
    const session = new DeltaSession({ stream, cache, typeUrl: TYPE_URL, nacks, observer, now: t.now, nonce: nonces() });
    return { stream, session };
  };
  return { t, cache, nacks, events, open, ...open() };
}

function req(fields: Partial<DeltaRequest> & { node?: NodeInfo } = {}): DeltaRequest {
  return {
    typeUrl: TYPE_URL,
    resourceNamesSubscribe: [],
    resourceNamesUnsubscribe: [],
    initialResourceVersions: {},
    responseNonce: '',
    ...fields,
  };
}

/** A response as "name@version" for each resource and "-name" for each removal. */
function summary(response: DeltaResponse): string[] {
  return [...response.resources.map((r) => `${r.name}@${r.version}`), ...response.removedResources.map((n) => `-${n}`)];
}

const N1 = node('proxy-1');
const NACK = { code: 13, message: 'on_configure returned false' };

describe('DeltaSession: requests and subscriptions', () => {
  it.each([
    ['no node', req({ resourceNamesSubscribe: ['a'] }), 'missing-node'],
    ['another type URL', req({ node: N1, typeUrl: 'type.googleapis.com/other' }), 'type-url-mismatch'],
  ])('rejects a first request with %s', (_case, request, reason) => {
    const { session } = fixture();
    expect(() => session.handle(request)).toThrow(XdsProtocolError);
    try {
      session.handle(request);
    } catch (error) {
      expect((error as XdsProtocolError).reason).toBe(reason);
    }
  });

  it.each([
    ['an empty first subscribe list', [] as string[]],
    ['an explicit "*"', [WILDCARD]],
  ])('treats %s as wildcard', (_case, subscribe) => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: subscribe }));
    expect(summary(stream.one())).toEqual(['a@v1']);
    cache.set(res('b', 'v1'));
    expect(summary(stream.one())).toEqual(['b@v1']);
  });

  it('unsubscribing "*" ends wildcard and forgets what only wildcard covered', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: [WILDCARD, 'a'] }));
    expect(summary(stream.one()).sort()).toEqual(['a@v1', 'b@v1']);
    session.handle(req({ resourceNamesUnsubscribe: [WILDCARD] }));
    expect(cache.watcherCount(WILDCARD)).toBe(0);
    cache.delete('b'); // no longer the client's: no removal owed
    cache.set(res('a', 'v2'));
    expect(stream.take().map(summary)).toEqual([['a@v2']]);
  });

  it('sends a subscribed name when it appears and stops after unsubscribe', () => {
    const { cache, session, stream } = fixture();
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    expect(stream.take()).toEqual([]);
    cache.set(res('a', 'v1'));
    expect(summary(stream.one())).toEqual(['a@v1']);
    session.handle(req({ resourceNamesUnsubscribe: ['a'] }));
    expect(cache.watcherCount('a')).toBe(0);
    cache.set(res('a', 'v2'));
    cache.delete('a');
    expect(stream.take()).toEqual([]);
  });

  it('honours subscription changes on a request with a stale nonce', () => {
    const { cache, session, stream, events } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    stream.one();
    session.handle(req({ resourceNamesSubscribe: ['b'], resourceNamesUnsubscribe: ['a'], responseNonce: 'long-gone' }));
    expect(summary(stream.one())).toEqual(['b@v1']);
    expect(events.acks).toEqual([]);
    cache.set(res('a', 'v2'));
    expect(stream.take()).toEqual([]);
  });

  it('resends a name the client already has when it subscribes to it again', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    const first = stream.one();
    session.handle(req({ resourceNamesSubscribe: ['a'], responseNonce: first.nonce }));
    expect(summary(stream.one())).toEqual(['a@v1']);
  });

  it('close() cancels every watch', () => {
    const { cache, session, stream } = fixture();
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a', WILDCARD] }));
    session.close();
    expect(cache.watcherCount('a') + cache.watcherCount(WILDCARD)).toBe(0);
    cache.set(res('a', 'v1'));
    expect(stream.take()).toEqual([]);
  });
});

describe('DeltaSession: reconnect with initial_resource_versions', () => {
  it.each([
    ['explicit names', ['a', 'b', 'gone']],
    ['wildcard', [] as string[]],
  ])('with %s: resends only what differs and removes what no longer exists', (_case, subscribe) => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v2'));
    session.handle(
      req({ node: N1, resourceNamesSubscribe: subscribe, initialResourceVersions: { a: 'v1', b: 'v1', gone: 'v1' } }),
    );
    expect(summary(stream.one())).toEqual(['b@v2', '-gone']);
  });

  it('sends nothing when the client already has everything', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'], initialResourceVersions: { a: 'v1' } }));
    expect(stream.take()).toEqual([]);
    cache.set(res('a', 'v2'));
    expect(summary(stream.one())).toEqual(['a@v2']);
  });
});

describe('DeltaSession: changes', () => {
  it('sends removed_resources on delete only when the client had the resource', () => {
    const resolver: ResourceResolver = (n, _name, base) => (n.id === 'blind' ? undefined : base);
    const cache = new ResourceCache({ resolver });
    const { open } = fixture({ cache });
    cache.set(res('a', 'v1'));
    const seeing = open();
    const blind = open();
    seeing.session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    blind.session.handle(req({ node: node('blind'), resourceNamesSubscribe: ['a'] }));
    expect(summary(seeing.stream.one())).toEqual(['a@v1']);
    cache.delete('a');
    expect(summary(seeing.stream.one())).toEqual(['-a']);
    expect(blind.stream.take()).toEqual([]);
    cache.delete('a');
    cache.set(res('a', 'v1')); // re-created: sent again
    expect(summary(seeing.stream.one())).toEqual(['a@v1']);
  });

  it.each([
    ['set() with the same version', (cache: ResourceCache) => cache.set(res('a', 'v1'))],
    ['invalidate() that resolves to the same version', (cache: ResourceCache) => cache.invalidate()],
    ['deleting an unsubscribed name', (cache: ResourceCache) => cache.delete('z')],
  ])('sends nothing on %s', (_case, change) => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('z', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    stream.take();
    change(cache);
    expect(stream.take()).toEqual([]);
  });

  it('never puts one name twice in a response', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a', 'a', WILDCARD], initialResourceVersions: { a: 'v0' } }));
    expect(summary(stream.one())).toEqual(['a@v1']);
    cache.set(res('a', 'v2')); // heard by the explicit and the wildcard watch
    expect(stream.take().map(summary)).toEqual([['a@v2']]);
  });

  it('serves per-node views; invalidate() pushes only to nodes whose view changed', () => {
    const canary = new Set<string>();
    const cache = new ResourceCache({
      resolver: (n, name, base) => (base && canary.has(n.id) ? res(name, `${base.version}-canary`) : base),
    });
    const { open } = fixture({ cache });
    cache.set(res('filter', 'v1'));
    const stable = open();
    const picked = open();
    stable.session.handle(req({ node: node('stable-1'), resourceNamesSubscribe: ['filter'] }));
    picked.session.handle(req({ node: node('canary-1'), resourceNamesSubscribe: ['filter'] }));
    stable.stream.take();
    picked.stream.take();

    canary.add('canary-1');
    cache.invalidate(['filter']);
    expect(stable.stream.take()).toEqual([]);
    expect(summary(picked.stream.one())).toEqual(['filter@v1-canary']);
  });
});

describe('DeltaSession: nonces, ACK and NACK', () => {
  it('matches ACK and NACK by nonce among several responses in flight', () => {
    const { cache, session, stream, events, nacks } = fixture();
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a', 'b'] }));
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    const [forA, forB] = stream.take();
    expect(forA?.nonce).not.toBe(forB?.nonce);

    session.handle(req({ responseNonce: forB!.nonce }));
    session.handle(req({ responseNonce: forA!.nonce, errorDetail: NACK }));
    session.handle(req({ responseNonce: forA!.nonce, errorDetail: NACK })); // answered already: ignored
    session.handle(req({ responseNonce: 'unknown' }));

    expect(events.acks).toEqual([{ kind: 'delta', nodeId: 'proxy-1', names: ['b'] }]);
    expect(events.nacks).toEqual([{ kind: 'delta', nodeId: 'proxy-1', name: 'a', version: 'v1' }]);
    expect(nacks.list().map((r) => `${r.name}@${r.version}: ${r.message}`)).toEqual([`a@v1: ${NACK.message}`]);
  });

  it('never resends a NACKed version, not on re-subscribe nor after reconnect, but sends the next one', () => {
    const { cache, session, stream, open } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    const good = stream.one();
    session.handle(req({ responseNonce: good.nonce }));
    cache.set(res('a', 'v2'));
    const bad = stream.one();
    session.handle(req({ responseNonce: bad.nonce, errorDetail: NACK }));

    cache.invalidate(['a']);
    session.handle(req({ resourceNamesSubscribe: ['a'] }));
    expect(stream.take()).toEqual([]); // held

    session.close();
    const again = open();
    again.session.handle(req({ node: N1, resourceNamesSubscribe: ['a'], initialResourceVersions: { a: 'v1' } }));
    expect(again.stream.take()).toEqual([]);

    cache.set(res('a', 'v3'));
    expect(summary(again.stream.one())).toEqual(['a@v3']);
  });

  it('after a NACK the client keeps its last good version: a rollback to it sends nothing', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a'] }));
    session.handle(req({ responseNonce: stream.one().nonce }));
    cache.set(res('a', 'v2'));
    session.handle(req({ responseNonce: stream.one().nonce, errorDetail: NACK }));
    cache.set(res('a', 'v1'));
    expect(stream.take()).toEqual([]);
  });

  it('gives every response a unique nonce', () => {
    const { cache, session, stream } = fixture();
    session.handle(req({ node: N1 }));
    for (let i = 0; i < 5; i++) cache.set(res(`r${i}`, 'v1'));
    const sent = stream.take();
    expect(sent).toHaveLength(5);
    expect(new Set(sent.map((r) => r.nonce)).size).toBe(5);
  });
});

describe('DeltaSession: coalesced changes', () => {
  function coalescing() {
    const t = clock();
    const cache = new ResourceCache({ now: t.now });
    const stream = new FakeStream<DeltaResponse>();
    const session = new DeltaSession({ stream, cache, typeUrl: TYPE_URL, nacks: new NackLedger(), now: t.now, nonce: nonces(), coalesceChanges: true });
    for (const name of ['a', 'b', 'c']) cache.set(res(name, 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a', 'b', 'c'] }));
    session.handle(req({ responseNonce: stream.sent.at(-1)!.nonce }));
    stream.sent.length = 0;
    return { cache, stream, session };
  }

  it('sends the changes heard in one task in one response, after the task', async () => {
    const { cache, stream } = coalescing();
    cache.set(res('a', 'v2'));
    cache.set(res('b', 'v2'));
    cache.delete('c');
    expect(stream.sent).toHaveLength(0); // not yet: at the end of the task
    await Promise.resolve();
    expect(stream.sent.map(summary)).toEqual([['a@v2', 'b@v2', '-c']]);
  });

  it('sends changes of later tasks in later responses, and nothing once closed', async () => {
    const { cache, stream, session } = coalescing();
    cache.set(res('a', 'v2'));
    await Promise.resolve();
    cache.set(res('b', 'v2'));
    await Promise.resolve();
    expect(stream.sent.map(summary)).toEqual([['a@v2'], ['b@v2']]);
    cache.set(res('a', 'v3'));
    session.close();
    await Promise.resolve();
    expect(stream.sent).toHaveLength(2);
  });

  it('sends each change at once without the option', () => {
    const { cache, session, stream } = fixture();
    for (const name of ['a', 'b']) cache.set(res(name, 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a', 'b'] }));
    stream.sent.length = 0;
    cache.set(res('a', 'v2'));
    cache.set(res('b', 'v2'));
    expect(stream.sent.map(summary)).toEqual([['a@v2'], ['b@v2']]);
  });
});

describe('DeltaSession: changes notified together', () => {
  it('answers several slots changed together with one response', async () => {
    const t = clock();
    const cache = new ResourceCache({ now: t.now, fanOutBatch: 1 });
    const stream = new FakeStream<DeltaResponse>();
    const session = new DeltaSession({ stream, cache, typeUrl: TYPE_URL, nacks: new NackLedger(), now: t.now, nonce: nonces(), coalesceChanges: true });
    for (const name of ['a', 'b', 'c']) cache.set(res(name, 'v1'));
    session.handle(req({ node: N1, resourceNamesSubscribe: ['a', 'b', 'c'] }));
    stream.sent.length = 0;
    cache.notifyTogether(() => {
      for (const name of ['a', 'b', 'c']) cache.set(res(name, 'v2'));
    });
    await Promise.resolve();
    expect(stream.sent.map(summary)).toEqual([['a@v2', 'b@v2', 'c@v2']]);
  });
});

describe('DeltaSession: coalesced sends of many sessions', () => {
  it('a stream that fails to send does not keep the other sessions from their update', async () => {
    const t = clock();
    const cache = new ResourceCache({ now: t.now });
    cache.set(res('a', 'v1'));
    const open = (stream: FakeStream<DeltaResponse>, id: string) => {
      const session = new DeltaSession({ stream, cache, typeUrl: TYPE_URL, nacks: new NackLedger(), now: t.now, nonce: nonces(), coalesceChanges: true });
      session.handle(req({ node: node(id), resourceNamesSubscribe: ['a'] }));
      return session;
    };
    let broken = false;
    const failing = new FakeStream<DeltaResponse>(() => {
      if (broken) throw new Error('stream reset');
    });
    const healthy = new FakeStream<DeltaResponse>();
    open(failing, 'proxy-1');
    open(healthy, 'proxy-2');
    broken = true;
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      cache.set(res('a', 'v2'));
      await Promise.resolve();
    } finally {
      console.error = original;
    }
    expect(healthy.sent.map(summary)).toEqual([['a@v1'], ['a@v2']]);
    expect(errors).toHaveLength(1);
  });
});
