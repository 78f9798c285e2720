// ECDS over real gRPC: a real server process, real Redis, grpc-js clients built from Envoy's protos.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { decodeTypedExtensionConfig, decodeWasmFilter } from '@wasmfleet/envoy';
import { authMetadata, ecdsClient, StreamProbe, TEC_TYPE_URL } from '../../../../testing/ecds-client.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { SHA_B, slotSpec } from '../../../../testing/slot-fixtures.js';
import { mintToken, mintTokenInfo, revokeToken } from '../../../../testing/tokens.js';

let redis: TestRedis;
let server: ServerProcess;
let client: any;

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer({ redisUrl: redis.url });
  client = ecdsClient(server.grpcTarget);
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

const node = (id: string) => ({ id, cluster: 'canary-east', metadata: { fields: { app: { string_value: 'ratings' } } } });

function decode(resource: { type_url: string; value: Buffer }) {
  const tec = decodeTypedExtensionConfig({ typeUrl: resource.type_url, value: resource.value });
  return { name: tec.name, wasm: decodeWasmFilter(tec.typedConfig) };
}

async function createSlot(name: string, spec = slotSpec()) {
  const res = await server.api('POST', '/api/v1/slots', { name, spec });
  expect(res.status).toBe(201);
  return res.body;
}

async function updateSlot(name: string, config: unknown) {
  const res = await server.api('PUT', `/api/v1/slots/${name}`, { spec: slotSpec({ config }) });
  expect(res.status).toBe(200);
  return res.body;
}

describe('SotW StreamExtensionConfigs', () => {
  it('sends a slot that appears after the subscription, then each update; a NACKed version is never resent', async () => {
    // Given a proxy subscribed to a slot that does not exist yet
    const slot = 'wasmfleet.bookinfo.sotw-flow';
    const probe = new StreamProbe(client.StreamExtensionConfigs(authMetadata(server.token)));
    probe.write({ node: node('proxy-sotw-1'), type_url: TEC_TYPE_URL, resource_names: [slot] });
    expect(await probe.quietFor(200)).toBe(true);

    // When the slot is created, Then the proxy receives it
    await createSlot(slot);
    const first = await probe.next(1);
    expect(first.type_url).toBe(TEC_TYPE_URL);
    expect(first.nonce).not.toBe('');
    expect(first.resources).toHaveLength(1);
    const decoded = decode(first.resources[0]);
    expect(decoded.name).toBe(slot);
    expect(decoded.wasm).toMatchObject({ rootId: 'add_header', failurePolicy: 'FAIL_OPEN' });
    expect(JSON.parse(decoded.wasm.configuration!)).toEqual({ header: 'x-powered-by', value: 'wasmfleet' });

    // When it ACKs and the slot changes, Then the new version arrives with a new nonce
    probe.write({ version_info: first.version_info, response_nonce: first.nonce, type_url: TEC_TYPE_URL, resource_names: [slot] });
    await updateSlot(slot, { v: 2 });
    const second = await probe.next(2);
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.version_info).not.toBe(first.version_info);
    expect(JSON.parse(decode(second.resources[0]).wasm.configuration!)).toEqual({ v: 2 });

    // When it NACKs that version, Then nothing is resent, and the NACK is queryable
    probe.write({
      version_info: first.version_info,
      response_nonce: second.nonce,
      type_url: TEC_TYPE_URL,
      resource_names: [slot],
      error_detail: { code: 13, message: 'on_configure returned false' },
    });
    expect(await probe.quietFor(300)).toBe(true);
    const nacks = await server.api('GET', `/api/v1/nacks?node=proxy-sotw-1`);
    expect(nacks.body.items).toEqual([
      expect.objectContaining({ nodeId: 'proxy-sotw-1', cluster: 'canary-east', name: slot, message: 'on_configure returned false' }),
    ]);

    // When the proxy reconnects, Then the NACKed version is still not sent to it
    probe.close();
    const again = new StreamProbe(client.StreamExtensionConfigs(authMetadata(server.token)));
    again.write({ node: node('proxy-sotw-1'), type_url: TEC_TYPE_URL, resource_names: [slot], version_info: first.version_info });
    expect(await again.quietFor(300)).toBe(true);

    // When the slot changes again, Then the new version is sent
    await updateSlot(slot, { v: 3 });
    const third = await again.next(1);
    expect(JSON.parse(decode(third.resources[0]).wasm.configuration!)).toEqual({ v: 3 });
    again.close();
  });

  it('ignores a request carrying a stale nonce', async () => {
    const slot = 'wasmfleet.bookinfo.stale-nonce';
    await createSlot(slot);
    const probe = new StreamProbe(client.StreamExtensionConfigs(authMetadata(server.token)));
    probe.write({ node: node('proxy-stale'), type_url: TEC_TYPE_URL, resource_names: [slot] });
    const first = await probe.next(1);
    await updateSlot(slot, { v: 'b' });
    const second = await probe.next(2);
    // A NACK with the first (now stale) nonce must not be recorded.
    probe.write({ version_info: '', response_nonce: first.nonce, type_url: TEC_TYPE_URL, resource_names: [slot], error_detail: { code: 13, message: 'late' } });
    probe.write({ version_info: second.version_info, response_nonce: second.nonce, type_url: TEC_TYPE_URL, resource_names: [slot] });
    await new Promise((r) => setTimeout(r, 200));
    const nacks = await server.api('GET', '/api/v1/nacks?node=proxy-stale');
    expect(nacks.body.items).toEqual([]);
    probe.close();
  });
});

describe('Delta DeltaExtensionConfigs', () => {
  it('subscribes, is told of removals, and is not resent what it already has on reconnect', async () => {
    const slot = 'wasmfleet.bookinfo.delta-flow';
    const created = await createSlot(slot);
    const probe = new StreamProbe(client.DeltaExtensionConfigs(authMetadata(server.token)));
    probe.write({ node: node('proxy-delta-1'), type_url: TEC_TYPE_URL, resource_names_subscribe: [slot] });
    const first = await probe.next(1);
    expect(first.resources.map((r: any) => [r.name, r.version])).toEqual([[slot, created.version]]);
    expect(decode(first.resources[0].resource).name).toBe(slot);
    probe.write({ type_url: TEC_TYPE_URL, response_nonce: first.nonce });

    // Reconnect claiming the current version: nothing to send.
    probe.close();
    const again = new StreamProbe(client.DeltaExtensionConfigs(authMetadata(server.token)));
    again.write({
      node: node('proxy-delta-1'),
      type_url: TEC_TYPE_URL,
      resource_names_subscribe: [slot],
      initial_resource_versions: { [slot]: created.version },
    });
    expect(await again.quietFor(300)).toBe(true);

    // Delete: removed_resources names the slot.
    expect((await server.api('DELETE', `/api/v1/slots/${slot}`)).status).toBe(204);
    const removal = await again.next(1);
    expect(removal.removed_resources).toEqual([slot]);
    expect(removal.resources).toEqual([]);
    again.close();
  });

  it('stops sending a slot after unsubscribe', async () => {
    const slot = 'wasmfleet.bookinfo.delta-unsub';
    await createSlot(slot);
    const probe = new StreamProbe(client.DeltaExtensionConfigs(authMetadata(server.token)));
    probe.write({ node: node('proxy-delta-2'), type_url: TEC_TYPE_URL, resource_names_subscribe: [slot] });
    const first = await probe.next(1);
    probe.write({ type_url: TEC_TYPE_URL, response_nonce: first.nonce, resource_names_unsubscribe: [slot] });
    await new Promise((r) => setTimeout(r, 100));
    await updateSlot(slot, { v: 'unseen' });
    expect(await probe.quietFor(300)).toBe(true);
    probe.close();
  });
});

describe('FetchExtensionConfigs', () => {
  it('answers the current config of the named slot', async () => {
    const slot = 'wasmfleet.bookinfo.fetch';
    await createSlot(slot, slotSpec({ module: { url: 'https://modules.example/f.wasm', sha256: SHA_B } }));
    const res: any = await new Promise((resolve, reject) =>
      client.FetchExtensionConfigs({ node: node('fetcher'), type_url: TEC_TYPE_URL, resource_names: [slot] }, authMetadata(server.token), (err: Error | null, r: unknown) =>
        err ? reject(err) : resolve(r),
      ),
    );
    expect(res.resources).toHaveLength(1);
    expect(decode(res.resources[0]).wasm.code).toMatchObject({ kind: 'remote', uri: 'https://modules.example/f.wasm', sha256: SHA_B });
  });
});

describe('authentication and bad input', () => {
  it.each([
    ['no token', new grpc.Metadata()],
    ['a wrong token', authMetadata('not-the-admin-token-at-all')],
  ])('refuses a stream with %s as UNAUTHENTICATED', async (_what, metadata) => {
    const probe = new StreamProbe(client.StreamExtensionConfigs(metadata));
    probe.write({ node: node('intruder'), type_url: TEC_TYPE_URL, resource_names: ['x'] });
    const err = await probe.failure();
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/token|authorization/);
  });

  it('refuses a unary fetch without a token', async () => {
    const err: any = await new Promise((resolve) =>
      client.FetchExtensionConfigs({ node: node('n'), type_url: TEC_TYPE_URL }, (e: Error | null) => resolve(e)),
    );
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it.each([
    ['a wrong type URL', { node: node('n1'), type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', resource_names: ['x'] }],
    ['no node on the first request', { type_url: TEC_TYPE_URL, resource_names: ['x'] }],
  ])('answers INVALID_ARGUMENT to %s', async (_what, request) => {
    const probe = new StreamProbe(client.StreamExtensionConfigs(authMetadata(server.token)));
    probe.write(request);
    const err = await probe.failure();
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('answers INVALID_ARGUMENT to bytes that are not a DiscoveryRequest, and keeps serving others', async () => {
    const raw = new grpc.Client(server.grpcTarget, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest(
      '/envoy.service.extension.v3.ExtensionConfigDiscoveryService/StreamExtensionConfigs',
      (b: Buffer) => b,
      (b: Buffer) => b,
      authMetadata(server.token),
    );
    const probe = new StreamProbe(call);
    probe.write(Buffer.from([0xa7, 0x06])); // field 100 with wire type 7, which does not exist
    const err = await probe.failure();
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/DiscoveryRequest does not decode/);
    raw.close();
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
  });
});

describe('tokens of open streams', () => {
  const subscribe = (token: string, id: string, slot: string) => {
    const probe = new StreamProbe(client.DeltaExtensionConfigs(authMetadata(token)));
    probe.write({ node: node(id), type_url: TEC_TYPE_URL, resource_names_subscribe: [slot] });
    return probe;
  };

  it('Given streams opened with two tokens, When an admin revokes one, Then its stream ends UNAUTHENTICATED at once and the other keeps its updates', async () => {
    const slot = 'wasmfleet.bookinfo.revoked-token';
    await createSlot(slot);
    const doomed = await mintTokenInfo(server, ['viewer'], { name: 'ecds-doomed' });
    const kept = await mintToken(server, ['viewer'], { name: 'ecds-kept' });
    const revokedStream = subscribe(doomed.token, 'proxy-revoked-1', slot);
    const keptStream = subscribe(kept, 'proxy-kept-1', slot);
    await revokedStream.next(1);
    await keptStream.next(1);

    const started = Date.now();
    await revokeToken(server, doomed.id);
    const err = await revokedStream.failure(2_000);
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/^bearer token "ecds-doomed" was revoked at /);
    expect(Date.now() - started).toBeLessThan(2_000); // not the 5 s re-verification: the revoke itself ended it

    await updateSlot(slot, { after: 'revoke' });
    const update = await keptStream.next(2);
    expect(JSON.parse(decode(update.resources[0].resource).wasm.configuration!)).toEqual({ after: 'revoke' });
    expect(keptStream.error).toBeUndefined();
  });

  it('Given a stream opened with a token that expires in 1 s, Then the stream ends UNAUTHENTICATED once it has expired', async () => {
    const slot = 'wasmfleet.bookinfo.expiring-token';
    await createSlot(slot);
    const expiring = await mintTokenInfo(server, ['viewer'], { name: 'ecds-expiring', expiresIn: '1s' });
    const probe = subscribe(expiring.token, 'proxy-expiring-1', slot);
    await probe.next(1);
    // Re-verified every 5 s (the verifier's cache TTL): ended within one round after the expiry.
    const err = await probe.failure(8_000);
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/^bearer token "ecds-expiring" expired at /);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiring.expiresAt!));
  }, 15_000);
});

describe('metrics', () => {
  it('counts streams, pushes, ACKs and NACKs by kind', async () => {
    const text = (await server.api('GET', '/metrics')).body as string;
    expect(text).toMatch(/wasmfleet_xds_pushes_total\{kind="sotw"\} [1-9]/);
    expect(text).toMatch(/wasmfleet_xds_pushes_total\{kind="delta"\} [1-9]/);
    expect(text).toMatch(/wasmfleet_xds_acks_total\{kind="sotw"\} [1-9]/);
    expect(text).toMatch(/wasmfleet_xds_nacks_total\{kind="sotw"\} 1\b/);
    expect(text).toMatch(/wasmfleet_xds_push_latency_seconds_count\{kind="sotw"\} [1-9]/);
    expect(text).toMatch(/wasmfleet_xds_streams\{kind="sotw"\} \d/);
  });
});
