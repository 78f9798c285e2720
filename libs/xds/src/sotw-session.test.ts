import { describe, expect, it } from 'vitest';
import {
  clock,
  FakeStream,
  label,
  node,
  nonces,
  recordingObserver,
  res,
  TYPE_URL,
} from '../test/fixtures.js';
import { XdsProtocolError } from './errors.js';
import { NackLedger } from './nack-ledger.js';
import { ResourceCache, WILDCARD } from './resource-cache.js';
import { SotwSession } from './sotw-session.js';
import type { NodeInfo, ResourceResolver, SotwRequest, SotwResponse } from './types.js';

function fixture(options: { cache?: ResourceCache; nacks?: NackLedger } = {}) {
  const t = clock();
  const cache = options.cache ?? new ResourceCache({ now: t.now });
  const nacks = options.nacks ?? new NackLedger();
  const { observer, events } = recordingObserver();
  const open = () => {
    const stream = new FakeStream<SotwResponse>();
    const session = new SotwSession({ stream, cache, typeUrl: TYPE_URL, nacks, observer, now: t.now, nonce: nonces() });
    return { stream, session };
  };
  return { t, cache, nacks, events, open, ...open() };
}

function req(fields: Partial<SotwRequest> & { node?: NodeInfo } = {}): SotwRequest {
  return { versionInfo: '', resourceNames: [], typeUrl: TYPE_URL, responseNonce: '', ...fields };
}

/** "name@version" of each resource in a response. */
function labels(response: SotwResponse): string[] {
  return response.resources.map(label);
}

const N1 = node('proxy-1');

describe('SotwSession: request validation', () => {
  it.each([
    ['no node', req({ resourceNames: ['a'] }), 'missing-node'],
    ['an empty node id', req({ node: node(''), resourceNames: ['a'] }), 'missing-node'],
    ['another type URL', req({ node: N1, typeUrl: 'type.googleapis.com/other' }), 'type-url-mismatch'],
  ])('rejects a first request with %s', (_case, request, reason) => {
    const { session } = fixture();
    let caught: unknown;
    try {
      session.handle(request);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XdsProtocolError);
    expect((caught as XdsProtocolError).reason).toBe(reason);
  });

  it('keeps the first node when later requests omit it', () => {
    const { cache, session, stream } = fixture();
    cache.setResolver((n, name, base) => (n.id === 'proxy-1' && base ? res(name, `${base.version}-p1`) : base));
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    const first = stream.one();
    session.handle(req({ resourceNames: ['a', 'b'], responseNonce: first.nonce }));
    cache.set(res('b', 'v1'));
    expect(labels(stream.one())).toEqual(['b@v1-p1']);
  });
});

describe('SotwSession: subscriptions', () => {
  it('sends the existing subscribed names in one response, and a name that appears later when it appears', () => {
    const { cache, session, stream, t, events } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('other', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a', 'later'] }));
    const first = stream.one();
    expect(labels(first)).toEqual(['a@v1']);
    expect(first.typeUrl).toBe(TYPE_URL);
    expect(events.pushes.at(-1)?.latencyMs).toBeUndefined();

    t.advance(40);
    cache.set(res('later', 'v1'));
    cache.set(res('other', 'v2')); // not subscribed: nothing
    expect(labels(stream.one())).toEqual(['later@v1']);
    expect(events.pushes.at(-1)).toMatchObject({ names: ['later'], latencyMs: 0 });
  });

  it('reports push latency from the change to this stream\'s send (slow streams earlier in the fan-out add up)', () => {
    const t = clock();
    const cache = new ResourceCache({ now: t.now });
    const nacks = new NackLedger();
    const { observer, events } = recordingObserver();
    const slow = new FakeStream<SotwResponse>(() => t.advance(7));
    for (const [id, stream] of [['slow', slow], ['fast', new FakeStream<SotwResponse>()]] as const) {
      new SotwSession({ stream, cache, typeUrl: TYPE_URL, nacks, observer, now: t.now }).handle(
        req({ node: node(id), resourceNames: ['a'] }),
      );
    }
    cache.set(res('a', 'v1'));
    expect(events.pushes.map((p) => [p.nodeId, p.latencyMs])).toEqual([
      ['slow', 0],
      ['fast', 7],
    ]);
  });

  it('treats an empty first request as wildcard: all names now and every new one', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    session.handle(req({ node: N1 }));
    expect(labels(stream.one()).sort()).toEqual(['a@v1', 'b@v1']);
    cache.set(res('c', 'v1'));
    expect(labels(stream.one())).toEqual(['c@v1']);
  });

  it('drops wildcard once the client names resources, and stops sending the others', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    session.handle(req({ node: N1 }));
    const first = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: first.nonce }));
    cache.set(res('b', 'v2'));
    cache.set(res('a', 'v2'));
    expect(stream.take().map(labels)).toEqual([['a@v2']]);
    expect(cache.watcherCount(WILDCARD)).toBe(0);
  });

  it('stops updates for an unsubscribed name, cancels its watch, and resends it on re-subscription', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a', 'b'] }));
    const first = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: first.nonce }));
    expect(cache.watcherCount('b')).toBe(0);
    cache.set(res('b', 'v2'));
    expect(stream.take()).toEqual([]);
    session.handle(req({ resourceNames: ['a', 'b'], responseNonce: first.nonce }));
    expect(labels(stream.one())).toEqual(['b@v2']);
  });

  it('never puts one name twice in a response (duplicate names, wildcard plus explicit)', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a', 'a', WILDCARD] }));
    expect(labels(stream.one())).toEqual(['a@v1']);
    cache.set(res('a', 'v2')); // heard by both the explicit and the wildcard watch
    expect(stream.take().map(labels)).toEqual([['a@v2']]);
  });

  it('close() cancels every watch and ignores later changes', () => {
    const { cache, session, stream } = fixture();
    session.handle(req({ node: N1, resourceNames: ['a', WILDCARD] }));
    session.close();
    expect(cache.watcherCount('a') + cache.watcherCount(WILDCARD)).toBe(0);
    cache.set(res('a', 'v1'));
    expect(stream.take()).toEqual([]);
  });
});

describe('SotwSession: sending only changes', () => {
  it.each([
    ['set() with the same version', (cache: ResourceCache) => cache.set(res('a', 'v1'))],
    ['invalidate() that resolves to the same version', (cache: ResourceCache) => cache.invalidate(['a'])],
    ['invalidate() of everything', (cache: ResourceCache) => cache.invalidate()],
    ['a change to an unsubscribed name', (cache: ResourceCache) => cache.set(res('z', 'v1'))],
  ])('sends nothing on %s', (_case, change) => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    stream.take();
    change(cache);
    expect(stream.take()).toEqual([]);
  });

  it('carries only the changed resource, with a deterministic versionInfo over what the client holds', () => {
    const { cache, session, stream, open } = fixture();
    cache.set(res('a', 'v1'));
    cache.set(res('b', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a', 'b'] }));
    const first = stream.one();
    cache.set(res('b', 'v2'));
    const second = stream.one();
    expect(labels(second)).toEqual(['b@v2']);
    expect(second.versionInfo).not.toBe(first.versionInfo);

    // Another stream holding the same versions reports the same versionInfo, whatever the subscription order.
    const other = open();
    other.session.handle(req({ node: node('proxy-2'), resourceNames: ['b', 'a'] }));
    expect(other.stream.one().versionInfo).toBe(second.versionInfo);
  });

  it('sends nothing on delete, but sends a re-creation even at the same version', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    stream.take();
    cache.delete('a');
    expect(stream.take()).toEqual([]);
    cache.set(res('a', 'v1'));
    expect(labels(stream.one())).toEqual(['a@v1']);
  });
});

describe('SotwSession: nonces, ACK and NACK', () => {
  it('gives every response a fresh nonce and ignores a request with a stale nonce entirely', () => {
    const { cache, session, stream, events } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    const first = stream.one();
    cache.set(res('a', 'v2'));
    const second = stream.one();
    expect(second.nonce).not.toBe(first.nonce);

    // Answers the first response: stale. Neither its NACK nor its new subscription counts.
    session.handle(req({ resourceNames: ['a', 'b'], responseNonce: first.nonce, errorDetail: { code: 13, message: 'bad' } }));
    cache.set(res('b', 'v1'));
    expect(stream.take()).toEqual([]);
    expect(events.nacks).toEqual([]);
    expect(events.acks).toEqual([]);

    session.handle(req({ resourceNames: ['a', 'b'], responseNonce: second.nonce }));
    const third = stream.one();
    expect(labels(third)).toEqual(['b@v1']);
    expect(new Set([first.nonce, second.nonce, third.nonce]).size).toBe(3);
    expect(events.acks).toEqual([{ kind: 'sotw', nodeId: 'proxy-1', names: ['a'] }]);
  });

  it.each([
    ['ACK (no error_detail)', undefined, { acks: 1, nacks: 0, ledger: false }],
    ['NACK (error_detail present)', { code: 13, message: 'on_configure returned false' }, { acks: 0, nacks: 1, ledger: true }],
  ])('tells %s apart by error_detail', (_case, errorDetail, expected) => {
    const { cache, session, stream, events, nacks } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    const sent = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: sent.nonce, ...(errorDetail ? { errorDetail } : {}) }));
    session.handle(req({ resourceNames: ['a'], responseNonce: sent.nonce })); // repeated: answers nothing new
    expect(events.acks.length).toBe(expected.acks);
    expect(events.nacks.length).toBe(expected.nacks);
    expect(nacks.isNacked('proxy-1', 'a', 'v1')).toBe(expected.ledger);
    if (errorDetail) {
      expect(nacks.list()).toMatchObject([
        { nodeId: 'proxy-1', cluster: 'east', name: 'a', version: 'v1', message: errorDetail.message },
      ]);
    }
  });

  it('never resends a NACKed version (not even after reconnect of the same node), but sends the next one', () => {
    const { cache, session, stream, nacks, open } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    const first = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: first.nonce }));
    cache.set(res('a', 'v2'));
    const bad = stream.one();
    session.handle(req({ versionInfo: first.versionInfo, resourceNames: ['a'], responseNonce: bad.nonce, errorDetail: { code: 13, message: 'boom' } }));
    expect(nacks.isNacked('proxy-1', 'a', 'v2')).toBe(true);

    cache.invalidate(['a']);
    expect(stream.take()).toEqual([]); // the watch is held

    session.close();
    const again = open();
    again.session.handle(req({ node: N1, resourceNames: ['a'] }));
    expect(again.stream.take()).toEqual([]);

    cache.set(res('a', 'v3')); // released by a new version
    expect(labels(again.stream.one())).toEqual(['a@v3']);
    expect(stream.take()).toEqual([]); // the closed stream hears nothing
  });

  it('after a NACK the client is taken to hold its last good version: a rollback to it sends nothing', () => {
    const { cache, session, stream } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    const first = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: first.nonce }));
    cache.set(res('a', 'v2'));
    const bad = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: bad.nonce, errorDetail: { code: 13, message: 'x' } }));
    cache.set(res('a', 'v1'));
    expect(stream.take()).toEqual([]);
    cache.set(res('a', 'v3'));
    expect(stream.one().versionInfo).not.toBe(first.versionInfo);
  });

  it('a NACK binds only that node: another node still gets the version', () => {
    const { cache, session, stream, open } = fixture();
    cache.set(res('a', 'v1'));
    session.handle(req({ node: N1, resourceNames: ['a'] }));
    const bad = stream.one();
    session.handle(req({ resourceNames: ['a'], responseNonce: bad.nonce, errorDetail: { code: 13, message: 'x' } }));
    const other = open();
    other.session.handle(req({ node: node('proxy-2'), resourceNames: ['a'] }));
    expect(labels(other.stream.one())).toEqual(['a@v1']);
  });
});

describe('SotwSession: per-node views', () => {
  it('serves each node its resolved variant; invalidate() pushes only to nodes whose view changed', () => {
    const canaryNodes = new Set<string>();
    const resolver: ResourceResolver = (n, name, base) =>
      base && canaryNodes.has(n.id) ? res(name, `${base.version}-canary`) : base;
    const cache = new ResourceCache({ resolver });
    const { open } = fixture({ cache });
    cache.set(res('filter', 'v1'));
    const stable = open();
    const canary = open();
    stable.session.handle(req({ node: node('stable-1'), resourceNames: ['filter'] }));
    canary.session.handle(req({ node: node('canary-1'), resourceNames: ['filter'] }));
    expect(labels(stable.stream.one())).toEqual(['filter@v1']);
    expect(labels(canary.stream.one())).toEqual(['filter@v1']);

    canaryNodes.add('canary-1');
    cache.invalidate();
    expect(stable.stream.take()).toEqual([]);
    expect(labels(canary.stream.one())).toEqual(['filter@v1-canary']);
  });

  it('a name the resolver hides from a node is not sent to it', () => {
    const cache = new ResourceCache({ resolver: (n, _name, base) => (n.id === 'blind' ? undefined : base) });
    const { open } = fixture({ cache });
    cache.set(res('a', 'v1'));
    const blind = open();
    blind.session.handle(req({ node: node('blind') }));
    expect(blind.stream.take()).toEqual([]);
  });
});
