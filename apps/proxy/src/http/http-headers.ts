// Header conversions of the data path, between Node's raw header arrays ([name, value, name, value, …])
// and the filters' lower-cased pairs. Hop-by-hop headers stay on their own connection, as in Envoy.
// Each is one pass over the headers: they run several times per request.

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

/** The end-to-end headers of a request, and what the proxy reads from the others. */
export interface RequestHeaders {
  pairs: [string, string][];
  host: string | undefined;
  /** Content-Length above 0 or any Transfer-Encoding: there is a body to read. */
  hasBody: boolean;
}

export function requestHeaders(raw: string[]): RequestHeaders {
  const pairs: [string, string][] = [];
  let host: string | undefined;
  let hasBody = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'host') host ??= value;
    else if (name === 'transfer-encoding') hasBody = true;
    else if (name === 'content-length' && value !== '0') hasBody = true;
    if (!HOP_BY_HOP.has(name)) pairs.push([name, value]);
  }
  return { pairs, host, hasBody };
}

/** The end-to-end headers of an upstream response, lower-cased. */
export function responseHeaders(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name)) pairs.push([name, raw[i + 1]!]);
  }
  return pairs;
}

/** The request headers for the upstream, flat, with Host last. */
export function upstreamRawHeaders(pairs: [string, string][], host: string): string[] {
  const raw: string[] = [];
  for (const [name, value] of pairs) raw.push(name, value);
  raw.push('host', host);
  return raw;
}

/** The response headers for the client, flat: no hop-by-hop or pseudo-headers, and a true content-length. */
export function downstreamRawHeaders(pairs: [string, string][], contentLength: number): string[] {
  const raw: string[] = [];
  for (const [name, value] of pairs) {
    if (HOP_BY_HOP.has(name) || name === 'content-length' || name.charCodeAt(0) === 0x3a /* ':' */) continue;
    raw.push(name, value);
  }
  raw.push('content-length', String(contentLength));
  return raw;
}
