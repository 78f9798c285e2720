import { describe, expect, it } from 'vitest';
import {
  decodeDeltaRequest,
  decodeDeltaResponse,
  decodeSotwRequest,
  decodeSotwResponse,
  encodeDeltaRequest,
  encodeDeltaResponse,
  encodeSotwRequest,
  encodeSotwResponse,
  MalformedMessage,
} from './discovery-codec.js';

const TEC = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';
const node = { id: 'proxy-1', cluster: 'canary-east', metadata: { labels: { app: 'ratings', tier: 2 }, canary: true, zones: ['a', 'b'], none: null } };

describe('discovery codec', () => {
  it('round-trips a SotW request with node metadata and a NACK', () => {
    const req = { versionInfo: '7', node, resourceNames: ['s1', 's2'], typeUrl: TEC, responseNonce: 'n3', errorDetail: { code: 13, message: 'bad' } };
    expect(decodeSotwRequest(encodeSotwRequest(req))).toEqual(req);
  });

  it('omits node and error_detail when absent', () => {
    const req = { versionInfo: '', resourceNames: [], typeUrl: TEC, responseNonce: '' };
    expect(decodeSotwRequest(encodeSotwRequest(req))).toEqual(req);
  });

  it('round-trips a Delta request with initial versions', () => {
    const req = {
      node,
      typeUrl: TEC,
      resourceNamesSubscribe: ['a'],
      resourceNamesUnsubscribe: ['b'],
      initialResourceVersions: { a: '3' },
      responseNonce: '',
    };
    expect(decodeDeltaRequest(encodeDeltaRequest(req))).toEqual(req);
  });

  it('round-trips responses with pre-encoded resources', () => {
    const resource = { typeUrl: TEC, value: Buffer.from([1, 2, 3]) };
    const sotw = { versionInfo: 'v1', resources: [resource], typeUrl: TEC, nonce: '9' };
    expect(decodeSotwResponse(encodeSotwResponse(sotw))).toEqual(sotw);
    const delta = { systemVersionInfo: 'x', resources: [{ name: 'a', version: '2', resource }], removedResources: ['b'], typeUrl: TEC, nonce: '10' };
    expect(decodeDeltaResponse(encodeDeltaResponse(delta))).toEqual(delta);
  });

  it('round-trips responses whose fields need multi-byte lengths and non-ASCII text', () => {
    for (const size of [127, 128, 300, 16_383, 16_384, 70_000]) {
      const resource = { typeUrl: TEC, value: Buffer.alloc(size, 7) };
      const delta = {
        systemVersionInfo: 'v'.repeat(size % 200),
        resources: [{ name: 'wasmfleet.ns.ünïcode☃', version: `r${size}`, resource }],
        removedResources: ['gone-é', 'x'.repeat(130)],
        typeUrl: TEC,
        nonce: String(size),
      };
      expect(decodeDeltaResponse(encodeDeltaResponse(delta))).toEqual(delta);
      const sotw = { versionInfo: `${size}-ä`, resources: [resource, resource], typeUrl: TEC, nonce: 'n' };
      expect(decodeSotwResponse(encodeSotwResponse(sotw))).toEqual(sotw);
    }
  });

  it('returns MalformedMessage for bytes that are not a message', () => {
    // field 100 with wire type 7, which does not exist
    const bad = Buffer.from([0xa7, 0x06]);
    expect(decodeSotwRequest(bad)).toBeInstanceOf(MalformedMessage);
    expect(decodeDeltaRequest(bad)).toBeInstanceOf(MalformedMessage);
    expect((decodeSotwRequest(bad) as MalformedMessage).reason).toMatch(/DiscoveryRequest does not decode/);
  });
});
