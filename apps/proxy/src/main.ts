#!/usr/bin/env node
// wasmfleet-proxy: one or more Envoy stand-ins in this process. Prints one `ready:` line per proxy.
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { ValidationError } from '@wasmfleet/api';
import { parseProxyOptions, ProxyOptionsError, USAGE, type ProxyOptions } from './config/proxy-options.js';
import { createReverseProxy } from './http/reverse-proxy.js';
import { ModuleFetcher } from './modules/module-fetcher.js';
import { ProxyInstance } from './proxy-instance.js';

const log = (level: 'info' | 'warn', message: string) => (level === 'warn' ? console.error : console.log)(`${new Date().toISOString()} ${level} ${message}`);

function listen(server: http.Server, port: number, bind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => resolve((server.address() as { port: number }).port));
  });
}

async function run(o: ProxyOptions): Promise<void> {
  const fetcher = new ModuleFetcher();
  // Replicas share one gRPC connection to the config source, as sidecars of one node would not — but one
  // process opening thousands of connections would measure the client, not the server.
  const channel = o.xds && o.replicas > 1 ? new grpc.Client(o.xds.target, grpc.credentials.createInsecure()) : undefined;
  const proxies = Array.from({ length: o.replicas }, (_, i) => {
    const suffix = o.replicas > 1 ? `-${i}` : '';
    return new ProxyInstance({
      nodeId: `${o.nodeId}${suffix}`,
      cluster: o.cluster,
      labels: o.labels,
      ...(o.namespace && { namespace: o.namespace }),
      slots: o.slots,
      ...(o.xds && { configSource: { ...o.xds, ...(channel && { channel }) } }),
      adminPort: o.adminPort === 0 ? 0 : o.adminPort + i,
      bind: o.bind,
      warmTimeoutMs: o.warmTimeoutMs,
      fetcher,
      log,
    });
  });
  await Promise.all(proxies.map((p) => p.start()));

  const servers: http.Server[] = [];
  if (o.sharedListener || o.replicas === 1) {
    let next = 0;
    const server = createReverseProxy({ upstream: o.upstream, route: () => proxies[next++ % proxies.length]! });
    servers.push(server);
    const port = await listen(server, o.listen, o.bind);
    for (const p of proxies) console.log(`ready: node=${p.node().id} listen=http://${o.bind}:${port} admin=${p.adminUrl}`);
  } else {
    for (const [i, p] of proxies.entries()) {
      const server = createReverseProxy({ upstream: o.upstream, route: () => p });
      servers.push(server);
      const port = await listen(server, o.listen === 0 ? 0 : o.listen + i, o.bind);
      console.log(`ready: node=${p.node().id} listen=http://${o.bind}:${port} admin=${p.adminUrl}`);
    }
  }

  const stop = async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await Promise.all(proxies.map((p) => p.stop()));
    channel?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

try {
  await run(parseProxyOptions(process.argv.slice(2)));
} catch (err) {
  if (err instanceof ProxyOptionsError) {
    if (err.message) console.error(`wasmfleet-proxy: ${err.message}\n`);
    console.error(USAGE);
    process.exit(err.message ? 2 : 0);
  }
  if (err instanceof ValidationError) {
    console.error(`wasmfleet-proxy: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
