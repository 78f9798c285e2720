// Command-line options of wasmfleet-proxy, validated into a typed config with errors that name the flag.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseOrThrow, SlotNameSchema, SlotSpecSchema, wasmFilterConfigOf } from '@wasmfleet/api';
import type { WasmFilterConfig } from '@wasmfleet/envoy';

export const USAGE = `Usage: wasmfleet-proxy --upstream <url> [options]

  --upstream <url>              where requests go after the filters (required)
  --listen <port>               data listener port (default 10000; 0 = any free port)
  --admin-port <port>           admin listener: /stats, /stats/prometheus, /ready, /config_dump (default 15000; 0 = any)
  --bind <addr>                 listen address (default 127.0.0.1)
  --slot <name>                 an HTTP filter filled over ECDS, in chain order (repeatable)
  --default-config <slot>=<file.json>
                                a slot spec (as in POST /api/v1/slots) served until ECDS delivers one
  --xds <host:port>             ECDS server (the management server or a cluster agent)
  --xds-mode sotw|delta         ECDS flavour (default delta)
  --token <token>               bearer token for the ECDS server (default: $WASMFLEET_TOKEN)
  --node-id <id>                node.id (default <hostname>-<pid>); replicas get -<i> suffixes
  --cluster <name>              node.cluster (default local)
  --namespace <ns>              workload namespace announced in node metadata
  --label <k>=<v>               workload label announced in node metadata (repeatable)
  --warm-timeout-ms <ms>        how long requests wait for the first config (default 15000)
  --replicas <n>                run n proxies in this process (default 1)
  --shared-listener             with --replicas: one data listener, requests spread round-robin
`;

export class ProxyOptionsError extends Error {}

export interface ProxyOptions {
  upstream: URL;
  listen: number;
  adminPort: number;
  bind: string;
  slots: { name: string; defaultConfig?: WasmFilterConfig }[];
  xds?: { target: string; mode: 'sotw' | 'delta'; token?: string };
  nodeId: string;
  cluster: string;
  namespace?: string;
  labels: Record<string, string>;
  warmTimeoutMs: number;
  replicas: number;
  sharedListener: boolean;
}

function int(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ProxyOptionsError(`--${flag}: expected an integer ${min}-${max}, got "${raw}"`);
  return n;
}

function pair(flag: string, raw: string): [string, string] {
  const i = raw.indexOf('=');
  if (i <= 0) throw new ProxyOptionsError(`--${flag}: expected <key>=<value>, got "${raw}"`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

function defaultConfigOf(slot: string, file: string): WasmFilterConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProxyOptionsError(`--default-config ${slot}: cannot read ${file}: ${(err as Error).message}`);
  }
  return wasmFilterConfigOf(slot, parseOrThrow(SlotSpecSchema, json, `--default-config ${slot}`));
}

export function parseProxyOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ProxyOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        upstream: { type: 'string' },
        listen: { type: 'string' },
        'admin-port': { type: 'string' },
        bind: { type: 'string' },
        slot: { type: 'string', multiple: true },
        'default-config': { type: 'string', multiple: true },
        xds: { type: 'string' },
        'xds-mode': { type: 'string' },
        token: { type: 'string' },
        'node-id': { type: 'string' },
        cluster: { type: 'string' },
        namespace: { type: 'string' },
        label: { type: 'string', multiple: true },
        'warm-timeout-ms': { type: 'string' },
        replicas: { type: 'string' },
        'shared-listener': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new ProxyOptionsError((err as Error).message);
  }
  if (values.help) throw new ProxyOptionsError('');
  if (!values.upstream) throw new ProxyOptionsError('--upstream is required');
  let upstream: URL;
  try {
    upstream = new URL(values.upstream);
  } catch {
    throw new ProxyOptionsError(`--upstream: not a URL: "${values.upstream}"`);
  }
  if (upstream.protocol !== 'http:') throw new ProxyOptionsError('--upstream: only http:// upstreams are supported');

  const names = (values.slot ?? []).map((s) => {
    const r = SlotNameSchema.safeParse(s);
    if (!r.success) throw new ProxyOptionsError(`--slot "${s}": ${r.error.issues[0]!.message}`);
    return s;
  });
  if (new Set(names).size !== names.length) throw new ProxyOptionsError('--slot: each slot may appear once');
  const defaults = new Map((values['default-config'] ?? []).map((raw) => pair('default-config', raw)));
  for (const slot of defaults.keys()) if (!names.includes(slot)) throw new ProxyOptionsError(`--default-config ${slot}: no --slot ${slot}`);

  const mode = values['xds-mode'] ?? 'delta';
  if (mode !== 'sotw' && mode !== 'delta') throw new ProxyOptionsError(`--xds-mode: expected sotw or delta, got "${mode}"`);
  if (names.length > 0 && !values.xds && defaults.size < names.length) {
    throw new ProxyOptionsError('--xds is required unless every --slot has a --default-config');
  }
  const token = values.token ?? env['WASMFLEET_TOKEN'];
  return {
    upstream,
    listen: int('listen', values.listen, 10000, 0, 65535),
    adminPort: int('admin-port', values['admin-port'], 15000, 0, 65535),
    bind: values.bind ?? '127.0.0.1',
    slots: names.map((name) => ({ name, ...(defaults.has(name) && { defaultConfig: defaultConfigOf(name, defaults.get(name)!) }) })),
    ...(values.xds && { xds: { target: values.xds, mode, ...(token && { token }) } }),
    nodeId: values['node-id'] ?? `${os.hostname()}-${process.pid}`,
    cluster: values.cluster ?? 'local',
    ...(values.namespace && { namespace: values.namespace }),
    labels: Object.fromEntries((values.label ?? []).map((raw) => pair('label', raw))),
    warmTimeoutMs: int('warm-timeout-ms', values['warm-timeout-ms'], 15_000, 0, 3_600_000),
    replicas: int('replicas', values.replicas, 1, 1, 100_000),
    sharedListener: values['shared-listener'] ?? false,
  };
}
