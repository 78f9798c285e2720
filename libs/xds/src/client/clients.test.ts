// The client engines wired to the server engines in memory: what a proxy and the server say to each other.
import { describe, expect, it } from 'vitest';
import { label, node, res, TYPE_URL } from '../../test/fixtures.js';
import { DeltaSession } from '../delta-session.js';
import { NackLedger } from '../nack-ledger.js';
import { ResourceCache } from '../resource-cache.js';
import { SotwSession } from '../sotw-session.js';
import type { DeltaRequest, DeltaResponse, SotwRequest, SotwResponse } from '../types.js';
import { DeltaClient } from './delta-client.js';
import type { ReceivedChange } from './resource-applier.js';
import { SotwClient } from './sotw-client.js';

/** Accepts everything except versions listed in `reject`; records what it applied. */
function applier(reject: string[] = []) {
  const applied: string[] = [];
  const removed: string[] = [];
  return {
    applied,
    removed,
    async apply(change: ReceivedChange) {
      const bad = change.updated.find((r) => reject.includes(label(r.resource)));
      if (bad) return `bad module in ${label(bad.resource)}`;
      applied.push(...change.updated.map((r) => label(r.resource)));
      removed.push(...change.removed);
      return undefined;
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function sotwPair(cache: ResourceCache, nacks: NackLedger, app: ReturnType<typeof applier>, id = 'p1') {
  const requests: SotwRequest[] = [];
  const client = new SotwClient({ node: node(id), typeUrl: TYPE_URL, names: ['slot'], applier: app, nameOf: (r) => label(r).split('@')[0]! });
  const session = new SotwSession({
    cache,
    nacks,
    typeUrl: TYPE_URL,
    stream: { send: (r: SotwResponse) => void client.onResponse(r) },
  });
  client.connect((req) => {
    requests.push(req);
    session.handle(req);
  });
  return { client, session, requests };
}

describe('SotwClient with SotwSession', () => {
  it('applies and ACKs each version, NACKs a bad one keeping the last good, and takes the next', async () => {
    const cache = new ResourceCache();
    const nacks = new NackLedger();
    const app = applier(['slot@2']);
    cache.set(res('slot', '1'));
    const { client, requests } = sotwPair(cache, nacks, app);
    await settle();
    expect(app.applied).toEqual(['slot@1']);
    expect(requests.at(-1)!.errorDetail).toBeUndefined();
    const acked = client.version;
    expect(acked).not.toBe('');

    cache.set(res('slot', '2'));
    await settle();
    expect(app.applied).toEqual(['slot@1']);
    expect(requests.at(-1)!.errorDetail).toEqual({ code: 13, message: 'bad module in slot@2' });
    expect(requests.at(-1)!.versionInfo).toBe(acked);
    expect(nacks.isNacked('p1', 'slot', '2')).toBe(true);

    cache.set(res('slot', '3'));
    await settle();
    expect(app.applied).toEqual(['slot@1', 'slot@3']);
    expect(client.version).not.toBe(acked);
  });

  it('resubscribes on a new stream with the version it holds', async () => {
    const cache = new ResourceCache();
    const app = applier();
    cache.set(res('slot', '1'));
    const first = sotwPair(cache, new NackLedger(), app);
    await settle();
    const held = first.client.version;
    first.session.close();
    const requests: SotwRequest[] = [];
    first.client.connect((r) => requests.push(r));
    expect(requests[0]).toMatchObject({ versionInfo: held, resourceNames: ['slot'], responseNonce: '' });
  });
});

describe('DeltaClient with DeltaSession', () => {
  function deltaPair(cache: ResourceCache, app: ReturnType<typeof applier>) {
    const client = new DeltaClient({ node: node('d1'), typeUrl: TYPE_URL, names: ['slot'], applier: app });
    const requests: DeltaRequest[] = [];
    const connect = () => {
      const session = new DeltaSession({ cache, nacks: new NackLedger(), typeUrl: TYPE_URL, stream: { send: (r: DeltaResponse) => void client.onResponse(r) } });
      client.connect((req) => {
        requests.push(req);
        session.handle(req);
      });
      return session;
    };
    return { client, requests, connect };
  }

  it('applies updates and removals, and on reconnect is not resent what it holds', async () => {
    const cache = new ResourceCache();
    const app = applier();
    cache.set(res('slot', '1'));
    const pair = deltaPair(cache, app);
    const session = pair.connect();
    await settle();
    expect(app.applied).toEqual(['slot@1']);
    expect(pair.client.versions()).toEqual({ slot: '1' });

    session.close();
    pair.connect();
    await settle();
    const reconnect = pair.requests.filter((r) => r.node).at(-1)!;
    expect(reconnect.initialResourceVersions).toEqual({ slot: '1' });
    expect(app.applied).toEqual(['slot@1']);

    cache.delete('slot');
    await settle();
    expect(app.removed).toEqual(['slot']);
    expect(pair.client.versions()).toEqual({});
  });

  it('NACKs a bad version and does not record it as held', async () => {
    const cache = new ResourceCache();
    const app = applier(['slot@2']);
    cache.set(res('slot', '2'));
    const pair = deltaPair(cache, app);
    pair.connect();
    await settle();
    expect(pair.requests.at(-1)!.errorDetail?.message).toBe('bad module in slot@2');
    expect(pair.client.versions()).toEqual({});
  });
});
