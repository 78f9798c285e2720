// The composition root: builds the framework-free pieces (Redis, store, cache, ECDS) and owns their lifecycle.
import { Redis } from 'ioredis';
import { NackLedger, ResourceCache } from '@wasmfleet/xds';
import { BearerTokenVerifier } from '../auth/bearer-token.js';
import { EcdsGrpcServer } from '../ecds/ecds-grpc-server.js';
import { SlotCacheSync } from '../ecds/slot-cache-sync.js';
import type { HealthProbe } from '../http/health.controller.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import { SlotService } from '../slots/slot-service.js';
import { SlotStore } from '../slots/slot-store.js';

export interface ServerContext {
  slots: SlotService;
  nacks: NackLedger;
  metrics: ServerMetrics;
  verifier: BearerTokenVerifier;
  health: HealthProbe;
  ecds: EcdsGrpcServer;
  close(): Promise<void>;
}

export interface ServerContextOptions {
  redisUrl: string;
  redisPrefix: string;
  adminToken: string;
  fanOutBatch: number;
  log: (level: 'warn' | 'debug', message: string) => void;
}

export async function createServerContext(opts: ServerContextOptions): Promise<ServerContext> {
  const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 3 } as const;
  const redis = new Redis(opts.redisUrl, redisOptions);
  const subscriber = new Redis(opts.redisUrl, redisOptions);
  await Promise.all([redis.connect(), subscriber.connect()]);

  const store = new SlotStore(redis, opts.redisPrefix);
  // Pushing in batches per event-loop turn lets writes reach sockets while a push to thousands goes on,
  // and REST requests and ACKs are not stuck behind it (see docs/benchmarks.md).
  const cache = new ResourceCache({ fanOutBatch: opts.fanOutBatch, onListenerError: (e) => opts.log('warn', `ECDS push failed: ${String(e)}`) });
  const nacks = new NackLedger();
  const metrics = new ServerMetrics();
  const verifier = new BearerTokenVerifier(opts.adminToken);
  const sync = new SlotCacheSync(store, subscriber, cache, (m) => opts.log('warn', m));
  await sync.start();

  const ecds = new EcdsGrpcServer({ cache, nacks, verifier, observer: metrics, log: opts.log });
  return {
    slots: new SlotService(store),
    nacks,
    metrics,
    verifier,
    health: { check: async () => void (await redis.ping()) },
    ecds,
    async close() {
      await ecds.stop();
      await sync.settled();
      subscriber.disconnect();
      await redis.quit();
    },
  };
}
