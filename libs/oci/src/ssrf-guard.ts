// Refuses connections to addresses a module URL or registry must never reach: link-local (169.254/16, fe80::/10),
// cloud metadata endpoints, the unspecified address, and whatever the operator adds. Names are resolved and every
// address is checked; the connection then goes to a checked address (the lookup is the connection's own), so a
// DNS answer that changes between check and connect cannot slip through.
import dns from 'node:dns';
import net from 'node:net';
import { OciError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (tests inject one; the default is the system resolver). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface AddressPolicyOptions {
  /** 127.0.0.0/8, ::1 and localhost: allowed unless false (a local registry is the common dev setup). */
  allowLoopback?: boolean;
  /** more CIDRs to refuse, e.g. ['10.0.0.0/8'] */
  blockedCidrs?: readonly string[];
}

/** Host names of metadata services that resolve to internal addresses only inside clouds. */
export const METADATA_HOSTNAMES: ReadonlySet<string> = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

const ALWAYS_BLOCKED: ReadonlyArray<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['169.254.0.0', 16, 'ipv4', 'link-local (includes the 169.254.169.254 metadata service)'],
  ['100.100.100.200', 32, 'ipv4', 'a cloud metadata service'],
  ['0.0.0.0', 8, 'ipv4', 'the unspecified network'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fd00:ec2::254', 128, 'ipv6', 'the EC2 metadata service'],
  ['::', 128, 'ipv6', 'the unspecified address'],
];

export class AddressPolicy {
  private readonly rules: Array<{ list: net.BlockList; reason: string }> = [];
  private readonly allowLoopback: boolean;

  constructor(opts: AddressPolicyOptions = {}) {
    this.allowLoopback = opts.allowLoopback ?? true;
    for (const [addr, prefix, type, reason] of ALWAYS_BLOCKED) this.add(addr, prefix, type, reason);
    for (const cidr of opts.blockedCidrs ?? []) {
      const [addr, bits] = cidr.split('/');
      const type = net.isIPv6(addr ?? '') ? 'ipv6' : net.isIPv4(addr ?? '') ? 'ipv4' : undefined;
      if (!type) throw new OciError('invalid-reference', `blocked CIDR "${cidr}" is not an IPv4 or IPv6 CIDR`);
      this.add(addr!, bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits), type, `in blocked range ${cidr}`);
    }
  }

  private add(addr: string, prefix: number, type: 'ipv4' | 'ipv6', reason: string): void {
    const list = new net.BlockList();
    list.addSubnet(addr, prefix, type);
    this.rules.push({ list, reason });
  }

  /** Why this IP address may not be reached, or undefined when it may. */
  blockedReason(address: string): string | undefined {
    const v4 = embeddedIPv4(address);
    const [addr, type] = v4 ? [v4, 'ipv4' as const] : [address, net.isIPv6(address) ? ('ipv6' as const) : ('ipv4' as const)];
    for (const rule of this.rules) if (rule.list.check(addr, type)) return rule.reason;
    if (!this.allowLoopback && isLoopbackAddress(addr)) return 'loopback, and loopback is not allowed here';
    return undefined;
  }

  /** Throws forbidden-address for a metadata host name or a blocked IP literal. */
  checkHost(hostname: string): void {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (METADATA_HOSTNAMES.has(name)) throw forbidden(hostname, name, 'a cloud metadata service');
    if (!this.allowLoopback && name === 'localhost') throw forbidden(hostname, name, 'loopback, and loopback is not allowed here');
    const literal = name.replace(/^\[|\]$/g, '');
    if (net.isIP(literal)) {
      const why = this.blockedReason(literal);
      if (why) throw forbidden(hostname, literal, why);
    }
  }

  /**
   * A `lookup` for node:net / node:http that resolves every address of the name and refuses the connection when
   * any of them is blocked (a name with one good and one bad address is a rebinding trick, not a choice).
   */
  lookup(resolver: Resolver = systemResolver): net.LookupFunction {
    return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      resolver(hostname).then(
        (addresses) => {
          if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }));
          for (const a of addresses) {
            const why = this.blockedReason(a.address);
            if (why) return callback(forbidden(hostname, a.address, why));
          }
          const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
          const list = wanted.length > 0 ? wanted : addresses;
          if (options.all) callback(null, list);
          else callback(null, list[0]!.address, list[0]!.family);
        },
        (err: unknown) => callback(err),
      );
    }) as net.LookupFunction;
  }
}

export const systemResolver: Resolver = async (hostname) => {
  const all = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export function isLoopbackAddress(address: string): boolean {
  const v4 = embeddedIPv4(address) ?? (net.isIPv4(address) ? address : undefined);
  if (v4) return v4.startsWith('127.');
  return net.isIPv6(address) && expandIPv6(address).every((g, i) => (i < 7 ? g === 0 : g === 1));
}

/** True for hosts that are loopback by name or address (plain HTTP is fine for them by default). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || (net.isIP(h) !== 0 && isLoopbackAddress(h));
}

function forbidden(host: string, address: string, why: string): OciError {
  const what = host === address ? address : `${host} (${address})`;
  return new OciError(
    'forbidden-address',
    `refusing to connect to ${what}: it is ${why}. Modules and registries must be fetched from ordinary addresses; if this host is really meant, serve it from another address`,
  );
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) IPv6 address, else undefined. */
function embeddedIPv4(address: string): string | undefined {
  if (!net.isIPv6(address)) return undefined;
  const g = expandIPv6(address);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
  }
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tails included). */
function expandIPv6(address: string): number[] {
  let s = address.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    s = s.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':').filter(Boolean) : [];
  const t = tail ? tail.split(':').filter(Boolean) : [];
  const zeros = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((x) => parseInt(x, 16));
}
