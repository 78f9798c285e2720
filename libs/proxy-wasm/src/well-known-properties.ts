// proxy_get_property: Envoy's attributes as a filter sees them. Values are encoded as Envoy encodes
// them: strings as raw bytes, integers and timestamps as 8-byte little-endian int64, booleans as one
// byte, header maps in the pairs format. Request and response attributes read the live header maps,
// so they reflect the filter's own changes.

import { encodePairs } from './pairs-codec.js';
import type { FilterContext, StreamContext } from './stream-context.js';

export interface PluginIdentity {
  name: string;
  rootId: string;
  vmId: string;
}

export interface PropertyScope {
  plugin: PluginIdentity;
  /** PluginOptions.properties, encoded. */
  overrides: ReadonlyMap<string, Uint8Array>;
  rootProperties: ReadonlyMap<string, Uint8Array> | undefined;
  context: FilterContext;
  nowNanos: () => bigint;
}

const utf8 = new TextEncoder();
const text = (s: string) => utf8.encode(s);
const latin1 = (s: string) => Buffer.from(s, 'latin1');

function int64(value: number | bigint): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(BigInt(value));
  return out;
}

function bool(value: boolean): Uint8Array {
  return Uint8Array.of(value ? 1 : 0);
}

/** Splits a property path (segments separated by NUL; a trailing NUL is allowed). */
export function propertyPath(raw: Uint8Array): string[] {
  const segments = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8').split('\0');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

function protoString(field: number, value: string): Buffer {
  const data = Buffer.from(value, 'utf8');
  const len: number[] = [];
  let n = data.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), data]);
}

function headerAttribute(map: { get(n: string): string | undefined; entries: [string, string][] }, rest: string[]) {
  if (rest.length === 0) return encodePairs(map.entries);
  const value = map.get(rest.join('.'));
  return value === undefined ? undefined : latin1(value);
}

function requestAttribute(s: StreamContext, name: string, rest: string[], nowNanos: () => bigint): Uint8Array | undefined {
  const h = s.requestHeaders;
  const path = h.get(':path') ?? '';
  const q = path.indexOf('?');
  const header = (n: string) => {
    const v = h.get(n);
    return v === undefined ? undefined : latin1(v);
  };
  switch (name) {
    case 'headers': return headerAttribute(h, rest);
    case 'path': return latin1(path);
    case 'url_path': return latin1(q < 0 ? path : path.slice(0, q));
    case 'query': return latin1(q < 0 ? '' : path.slice(q + 1));
    case 'host': return header(':authority');
    case 'scheme': return header(':scheme');
    case 'method': return header(':method');
    case 'referer': return header('referer');
    case 'useragent': return header('user-agent');
    case 'id': return header('x-request-id');
    case 'protocol': return text('HTTP/1.1');
    case 'time': return int64(s.startedNanos);
    case 'duration': return int64(nowNanos() - s.startedNanos);
    case 'size': return int64(s.requestBody.length);
    case 'total_size': return int64(s.requestBody.length + h.byteSize());
    default: return undefined;
  }
}

function responseAttribute(s: StreamContext, name: string, rest: string[]): Uint8Array | undefined {
  if (s.direction !== 'response') return undefined;
  const h = s.responseHeaders;
  switch (name) {
    case 'headers': return headerAttribute(h, rest);
    case 'trailers': return headerAttribute(s.responseTrailers, rest);
    case 'code': {
      const status = Number(h.get(':status'));
      return Number.isInteger(status) ? int64(status) : undefined;
    }
    case 'code_details': return text(s.responseDetails);
    case 'flags': return int64(0);
    case 'size': return int64(s.responseBody.length);
    case 'total_size': return int64(s.responseBody.length + h.byteSize());
    default: return undefined;
  }
}

function endpointAttribute(endpoint: { address: string; port: number } | undefined, name: string) {
  if (!endpoint) return undefined;
  if (name === 'address') return text(endpoint.address.includes(':') ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`);
  if (name === 'port') return int64(endpoint.port);
  return undefined;
}

function streamAttribute(s: StreamContext, path: string[], nowNanos: () => bigint): Uint8Array | undefined {
  const [group, name = '', ...rest] = path;
  switch (group) {
    case 'request': return requestAttribute(s, name, rest, nowNanos);
    case 'response': return responseAttribute(s, name, rest);
    case 'source': return endpointAttribute(s.request.source, name);
    case 'destination': return endpointAttribute(s.request.destination, name);
    case 'connection':
      if (name === 'id') return int64(s.id);
      if (name === 'mtls') return bool(false);
      return undefined;
    default: return undefined;
  }
}

function pluginAttribute(scope: PropertyScope, dotted: string): Uint8Array | undefined {
  const o = scope.overrides;
  switch (dotted) {
    case 'plugin_name': return text(scope.plugin.name);
    case 'plugin_root_id': return text(scope.plugin.rootId);
    case 'plugin_vm_id': return text(scope.plugin.vmId);
    case 'node.id': return text('');
    case 'node.cluster': return text('');
    case 'node': {
      const decode = (k: string) => (o.get(k) ? Buffer.from(o.get(k)!).toString('utf8') : '');
      return Buffer.concat([protoString(1, decode('node.id')), protoString(2, decode('node.cluster'))]);
    }
    default: return undefined;
  }
}

/** The property's value, or undefined (NOT_FOUND). */
export function lookupProperty(path: string[], scope: PropertyScope): Uint8Array | undefined {
  const dotted = path.join('.');
  const ctx = scope.context;
  return (
    ctx.properties?.get(dotted) ??
    scope.rootProperties?.get(dotted) ??
    scope.overrides.get(dotted) ??
    (ctx.kind === 'stream' ? streamAttribute(ctx, path, scope.nowNanos) : undefined) ??
    pluginAttribute(scope, dotted)
  );
}
