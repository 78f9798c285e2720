// One Envoy stand-in: its node identity, its slots, its ECDS subscription and its admin listener.
// Several may live in one process (--replicas), each with its own node id and stats.
import http from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import type { WasmFilterConfig } from '@wasmfleet/envoy';
import type { NodeInfo, ReceivedChange } from '@wasmfleet/xds';
import { EcdsSubscription } from './ecds/ecds-subscription.js';
import type { ModuleFetcher } from './modules/module-fetcher.js';
import { SlotRuntime } from './slots/slot-runtime.js';
import { EnvoyStats } from './stats/envoy-stats.js';

export interface ProxyInstanceOptions {
  nodeId: string;
  cluster: string;
  labels: Record<string, string>;
  namespace?: string;
  slots: { name: string; defaultConfig?: WasmFilterConfig }[];
  configSource?: { target: string; token?: string; mode: 'sotw' | 'delta'; channel?: grpc.Client };
  adminPort: number;
  bind: string;
  warmTimeoutMs: number;
  fetcher: ModuleFetcher;
  log: (level: 'info' | 'warn', message: string) => void;
}

export class ProxyInstance {
  readonly stats = new EnvoyStats();
  readonly slots: SlotRuntime[];
  readonly warmed: Promise<void>;
  private subscription: EcdsSubscription | undefined;
  private admin: http.Server | undefined;
  adminUrl = '';

  constructor(private readonly o: ProxyInstanceOptions) {
    const log = (level: 'info' | 'warn', m: string) => o.log(level, `[${o.nodeId}] ${m}`);
    this.slots = o.slots.map(
      (s) =>
        new SlotRuntime(s.name, {
          fetcher: o.fetcher,
          stats: this.stats,
          log,
          ...(s.defaultConfig && { defaultConfig: s.defaultConfig }),
          properties: { 'node.id': o.nodeId, 'node.cluster': o.cluster },
        }),
    );
    this.warmed = Promise.race([
      Promise.all(this.slots.map((s) => s.ready)).then(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, o.warmTimeoutMs).unref()),
    ]);
  }

  node(): NodeInfo {
    return {
      id: this.o.nodeId,
      cluster: this.o.cluster,
      metadata: {
        labels: this.o.labels,
        ...(this.o.namespace && { namespace: this.o.namespace }),
        stats_url: `${this.adminUrl}/stats/prometheus`,
        proxy: 'wasmfleet-proxy',
      },
    };
  }

  private async applyChange(change: ReceivedChange): Promise<string | undefined> {
    for (const resource of change.updated) {
      const slot = this.slots.find((s) => s.name === resource.name);
      if (!slot) return `no filter named ${resource.name} in this proxy`;
      const rejection = await slot.apply(resource);
      if (rejection) return rejection;
    }
    for (const name of change.removed) await this.slots.find((s) => s.name === name)?.remove();
    return undefined;
  }

  async start(): Promise<void> {
    this.admin = http.createServer((req, res) => this.serveAdmin(req, res));
    await new Promise<void>((resolve) => this.admin!.listen(this.o.adminPort, this.o.bind, resolve));
    const { port } = this.admin.address() as { port: number };
    this.adminUrl = `http://${this.o.bind}:${port}`;
    await Promise.all(this.slots.map((s) => s.start()));
    const source = this.o.configSource;
    if (source && this.slots.length > 0) {
      this.subscription = new EcdsSubscription({
        target: source.target,
        ...(source.token && { token: source.token }),
        mode: source.mode,
        node: this.node(),
        names: this.slots.map((s) => s.name),
        applier: { apply: (change) => this.applyChange(change) },
        log: (level, m) => this.o.log(level, `[${this.o.nodeId}] ${m}`),
        onConnectedChange: (up) => this.stats.set('control_plane.connected_state', up ? 1 : 0),
        ...(source.channel && { channel: source.channel }),
      });
      this.subscription.start();
    }
  }

  private serveAdmin(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/stats/prometheus') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.stats.prometheus());
    } else if (path === '/stats') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(this.stats.text());
    } else if (path === '/ready') {
      const ready = this.slots.every((s) => s.current);
      res.writeHead(ready ? 200 : 503).end(ready ? 'LIVE\n' : 'PRE_INITIALIZING\n');
    } else if (path === '/config_dump') {
      const slots = this.slots.map((s) => ({
        name: s.name,
        version: s.current?.version ?? null,
        sha256: s.current?.sha256 ?? null,
        rootId: s.current?.config.rootId ?? null,
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ node: this.node(), slots }, null, 2));
    } else {
      res.writeHead(404).end('not found\n');
    }
  }

  async stop(): Promise<void> {
    this.subscription?.stop();
    await new Promise<void>((resolve) => (this.admin ? this.admin.close(() => resolve()) : resolve()));
    await Promise.all(this.slots.map((s) => s.close()));
  }
}
