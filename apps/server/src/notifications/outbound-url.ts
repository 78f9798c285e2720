// Which URLs the server may call on someone's behalf (webhooks, proxy stats URLs announced over ECDS):
// http(s) only, no credentials in the URL, and never a link-local or cloud metadata address, whether
// written literally or reached through DNS. Loopback and private ranges stay allowed: in-cluster receivers
// and local runs live there. The DNS check happens before the request, so a name that changes its answer
// in between (DNS rebinding) is not caught; the literal check is exact.
import dns from 'node:dns';
import net from 'node:net';

export class OutboundUrlError extends Error {
  override readonly name = 'OutboundUrlError';
  constructor(
    readonly url: string,
    readonly problem: string,
  ) {
    super(`refusing to call ${redact(url)}: ${problem}`);
  }
}

/** Resolves a host name to its addresses (IPv4 and IPv6). */
export type HostLookup = (hostname: string) => Promise<string[]>;

export const systemLookup: HostLookup = async (hostname) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** The URL without credentials, query or fragment: safe for logs and errors. */
export function redact(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  }
}

function ipv4Bytes(ip: string): number[] | undefined {
  if (!net.isIPv4(ip)) return undefined;
  return ip.split('.').map(Number);
}

/** Eight 16-bit groups of a valid IPv6 address (incl. an embedded dotted IPv4 tail). */
function ipv6Groups(ip: string): number[] | undefined {
  if (!net.isIPv6(ip)) return undefined;
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const v4 = ipv4Bytes(text.slice(lastColon + 1));
  if (v4 !== undefined) text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...new Array<string>(fill).fill('0'), ...tailGroups].map((g) => parseInt(g, 16));
}

function blockedIPv4(b: number[]): string | undefined {
  const [a, bb, c, d] = b as [number, number, number, number];
  if (a === 169 && bb === 254) return 'a link-local address (cloud metadata lives at 169.254.169.254)';
  if (a === 0) return 'an unspecified address (0.0.0.0/8)';
  if (a >= 224) return 'a multicast or reserved address';
  if (a === 100 && bb === 100 && c === 100 && d === 200) return 'a cloud metadata address (100.100.100.200)';
  if (a === 168 && bb === 63 && c === 129 && d === 16) return 'a cloud host address (168.63.129.16)';
  return undefined;
}

/** Why an IP address may not be called, or undefined when it may. */
export function blockedAddressReason(ip: string, options: { allowLoopback?: boolean } = {}): string | undefined {
  const allowLoopback = options.allowLoopback ?? true;
  const v4 = ipv4Bytes(ip);
  if (v4 !== undefined) {
    if (!allowLoopback && v4[0] === 127) return 'a loopback address';
    return blockedIPv4(v4);
  }
  const g = ipv6Groups(ip);
  if (g === undefined) return `not an IP address: ${ip}`;
  const embeddedV4 = [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach an IPv4 address.
  if ((zeroUpTo(5) && g[5] === 0xffff) || (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))) {
    return blockedAddressReason(embeddedV4.join('.'), options);
  }
  if (zeroUpTo(7) && g[7] === 1) return allowLoopback ? undefined : 'a loopback address';
  if (zeroUpTo(8)) return 'an unspecified address (::)';
  if (zeroUpTo(6) && (g[6] !== 0 || g[7]! > 1)) return blockedAddressReason(embeddedV4.join('.'), options);
  if ((g[0]! & 0xffc0) === 0xfe80) return 'a link-local address (fe80::/10)';
  if ((g[0]! & 0xff00) === 0xff00) return 'a multicast address';
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254) {
    return 'a cloud metadata address (fd00:ec2::254)';
  }
  return undefined;
}

export interface OutboundUrlOptions {
  allowLoopback?: boolean;
}

/** The literal checks (scheme, credentials, IP literal, metadata host names). Throws OutboundUrlError. */
export function checkOutboundUrl(raw: string, options: OutboundUrlOptions = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundUrlError(raw, 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundUrlError(raw, `scheme ${url.protocol} is not allowed (http or https only)`);
  if (url.username !== '' || url.password !== '') throw new OutboundUrlError(raw, 'credentials in the URL are not allowed; configure a secret instead');
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === '') throw new OutboundUrlError(raw, 'no host');
  if (METADATA_HOSTS.has(host)) throw new OutboundUrlError(raw, `${host} is a cloud metadata host`);
  if (net.isIP(host) !== 0) {
    const why = blockedAddressReason(host, options);
    if (why !== undefined) throw new OutboundUrlError(raw, `${host} is ${why}`);
  } else if (!(options.allowLoopback ?? true) && (host === 'localhost' || host.endsWith('.localhost'))) {
    throw new OutboundUrlError(raw, `${host} is a loopback name`);
  }
  return url;
}

/** checkOutboundUrl, then the same rules for every address a host name resolves to. */
export async function resolveOutboundUrl(raw: string, lookup: HostLookup = systemLookup, options: OutboundUrlOptions = {}): Promise<URL> {
  const url = checkOutboundUrl(raw, options);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) !== 0) return url;
  let addresses: string[];
  try {
    addresses = await lookup(host);
  } catch (err) {
    throw new OutboundUrlError(raw, `cannot resolve ${host}: ${(err as Error).message}`);
  }
  if (addresses.length === 0) throw new OutboundUrlError(raw, `${host} resolves to no address`);
  for (const address of addresses) {
    const why = blockedAddressReason(address, options);
    if (why !== undefined) throw new OutboundUrlError(raw, `${host} resolves to ${address}, ${why}`);
  }
  return url;
}
