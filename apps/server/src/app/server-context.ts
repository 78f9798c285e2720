// The composition root: builds the framework-free pieces (Redis, store, cache, ECDS) and owns their lifecycle.
import { Redis } from 'ioredis';
import { NackLedger, ResourceCache, type NackRecord, type XdsObserver } from '@wasmfleet/xds';
import { BearerTokenVerifier } from '../auth/bearer-token.js';
import { createAuth } from '../auth/create-auth.js';
import type { TokenService } from '../auth/token-service.js';
import { EcdsGrpcServer, type EcdsStreamCounter } from '../ecds/ecds-grpc-server.js';
import type { ChangeDebounceOptions } from '../ecds/change-debounce.js';
import { SlotCacheSync } from '../ecds/slot-cache-sync.js';
import type { HealthProbe } from '../http/health.controller.js';
import { DirectStatsScraper } from '../health/direct-stats-scraper.js';
import { PrometheusHealthSource } from '../health/prometheus-health-source.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import { WebhookNotifier } from '../notifications/webhook-notifier.js';
import { createRolloutRuntime, type RolloutRuntime } from '../rollouts/rollout-runtime.js';
import { ServerEvents } from './server-events.js';
import { SlotService } from '../slots/slot-service.js';
import { SlotStore } from '../slots/slot-store.js';

export interface ServerContext {
  slots: SlotService;
  nacks: NackLedger;
  metrics: ServerMetrics;
  verifier: BearerTokenVerifier;
  tokens: TokenService;
  health: HealthProbe;
  ecds: EcdsGrpcServer;
  rollouts: RolloutRuntime;
  events: ServerEvents;
  /** Set once the HTTP port is known: the base URL proxies fetch modules from. */
  setPublicUrl(url: string): void;
  close(): Promise<void>;
}

export interface ServerContextOptions {
  redisUrl: string;
  redisPrefix: string;
  adminToken: string;
  fanOutBatch: number;
  /** See WASMFLEET_XDS_DEBOUNCE_MS and WASMFLEET_XDS_DEBOUNCE_MAX_MS. */
  debounce: ChangeDebounceOptions;
  dataDir: string;
  publicUrl?: string;
  webhooks: string[];
  webhookSecret?: string;
  allowSelfApproval: boolean;
  scrapeIntervalMs: number;
  prometheusUrl?: string;
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
  // A revoke here ends the ECDS streams opened with that token at once (other replicas within 5 s).
  let onRevoked = (): void => undefined;
  const { verifier, tokens } = createAuth(redis, opts.redisPrefix, opts.adminToken, () => onRevoked());
  const sync = new SlotCacheSync(store, subscriber, cache, (m) => opts.log('warn', m));
  await sync.start();

  // NACKs also feed the rollout of the slot (a NACKed candidate pauses it); bound once the runtime exists.
  let onNack: (record: NackRecord) => void = () => undefined;
  const observer: XdsObserver & EcdsStreamCounter = {
    streamOpened: (kind) => metrics.streamOpened(kind),
    streamClosed: (kind) => metrics.streamClosed(kind),
    onPush: (e) => metrics.onPush(e),
    onAck: (e) => metrics.onAck(e),
    onNack: (e) => {
      metrics.onNack(e);
      onNack(e.record);
    },
  };
  const ecds = new EcdsGrpcServer({ cache, nacks, verifier, observer, log: opts.log });
  onRevoked = () => void ecds.reauthenticate();

  // Direct mode: health comes from the stats URL each connected proxy announces in its node metadata.
  const scraper = new DirectStatsScraper({
    targets: () => ecds.connectedNodes().flatMap((n) => (typeof n.metadata['stats_url'] === 'string' ? [n.metadata['stats_url']] : [])),
    intervalMs: opts.scrapeIntervalMs,
  });
  // With a Prometheus that scrapes the proxies, health comes from PromQL instead.
  const health = opts.prometheusUrl ? new PrometheusHealthSource({ url: opts.prometheusUrl }) : scraper;
  if (!opts.prometheusUrl) scraper.start();
  const notifier = opts.webhooks.length
    ? new WebhookNotifier({ urls: opts.webhooks, secret: opts.webhookSecret ?? '' })
    : undefined;
  let publicUrl = opts.publicUrl ?? '';
  const events = new ServerEvents();
  const rollouts = await createRolloutRuntime({
    debounce: opts.debounce,
    redis,
    subscriber,
    prefix: opts.redisPrefix,
    cache,
    nacks,
    events,
    dataDir: opts.dataDir,
    publicUrl: () => publicUrl,
    health,
    notify: notifier && (async (effect) => {
      const reports = await notifier.notify({ event: effect.event, rolloutId: effect.rolloutId, revision: effect.revision, reason: effect.reason, at: new Date() });
      const failed = reports.filter((r) => !r.ok);
      if (failed.length) opts.log('warn', `webhook ${effect.event} for ${effect.rolloutId}: ${failed.length} of ${reports.length} deliveries failed`);
    }),
    allowSelfApproval: opts.allowSelfApproval,
    log: (m) => opts.log('warn', m),
  });
  onNack = (record) => rollouts.onNack(record);

  return {
    slots: new SlotService(store),
    nacks,
    metrics,
    verifier,
    tokens,
    health: { check: async () => void (await redis.ping()) },
    ecds,
    rollouts,
    events,
    setPublicUrl(url) {
      if (opts.publicUrl || url === publicUrl) return;
      publicUrl = url;
      rollouts.resolver.refresh();
    },
    async close() {
      await ecds.stop();
      await scraper.stop();
      await rollouts.close();
      await sync.settled();
      subscriber.disconnect();
      await redis.quit();
    },
  };
}
