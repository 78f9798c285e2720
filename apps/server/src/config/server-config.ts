// The server's environment, validated once at boot into a typed config.
import path from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '@wasmfleet/api';

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  WASMFLEET_HTTP_PORT: port.default(8080),
  WASMFLEET_GRPC_PORT: port.default(18000),
  WASMFLEET_BIND: z.string().min(1).default('127.0.0.1'),
  /** Unset: the server starts a private redis-server child. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  WASMFLEET_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('wf:'),
  WASMFLEET_DATA_DIR: z.string().min(1).default('.wasmfleet'),
  WASMFLEET_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /**
   * Streams pushed per event-loop turn when a resource changes. Large enough that a rollout step's pushes
   * all go out before the ACKs they trigger are read (those would delay the rest); small enough that a
   * change seen by tens of thousands of streams still lets other requests in (see docs/benchmarks.md).
   */
  WASMFLEET_XDS_FANOUT_BATCH: z.coerce.number().int().min(1).default(5000),
  /**
   * Rollout changes wait until none was made for this long before ECDS pushes them, so changes made together
   * go out in one response per stream; at most WASMFLEET_XDS_DEBOUNCE_MAX_MS after the first (see ChangeDebounce).
   */
  WASMFLEET_XDS_DEBOUNCE_MS: z.coerce.number().int().min(0).max(1_000).default(10),
  WASMFLEET_XDS_DEBOUNCE_MAX_MS: z.coerce.number().int().min(0).max(10_000).default(50),
  /** Base URL proxies use to fetch modules from this server (direct mode). Default http://<bind>:<http port>. */
  WASMFLEET_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Comma-separated webhook URLs told of rollout events. */
  WASMFLEET_WEBHOOKS: z.string().optional(),
  /** HMAC key for the x-wasmfleet-signature header of webhook deliveries. */
  WASMFLEET_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Four-eyes is on by default: the author of a rollout revision cannot approve it. */
  WASMFLEET_ALLOW_SELF_APPROVAL: z.enum(['true', 'false']).default('false'),
  /** Read rollout health with PromQL from this Prometheus instead of scraping proxies directly. */
  WASMFLEET_PROMETHEUS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How often direct mode scrapes each connected proxy's stats URL, in milliseconds. */
  WASMFLEET_SCRAPE_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(5_000),
  /** Bearer token of the admin. Unset: one is generated and written to <data dir>/admin-token (mode 0600). */
  WASMFLEET_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface ServerConfig {
  httpPort: number;
  grpcPort: number;
  bind: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  dataDir: string;
  logLevel: z.output<typeof EnvSchema>['WASMFLEET_LOG_LEVEL'];
  adminToken: string | undefined;
  fanOutBatch: number;
  debounce: { quietMs: number; maxMs: number };
  publicUrl: string | undefined;
  webhooks: string[];
  webhookSecret: string | undefined;
  allowSelfApproval: boolean;
  scrapeIntervalMs: number;
  prometheusUrl: string | undefined;
}

export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  // An empty variable counts as unset (e.g. `WASMFLEET_ADMIN_TOKEN= npm start`).
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const e = parseOrThrow(
    EnvSchema.refine((v) => !v.WASMFLEET_WEBHOOKS || v.WASMFLEET_WEBHOOK_SECRET, {
      path: ['WASMFLEET_WEBHOOK_SECRET'],
      message: 'is required with WASMFLEET_WEBHOOKS: receivers verify the signature with it',
    }),
    set,
    'env',
  );
  return {
    httpPort: e.WASMFLEET_HTTP_PORT,
    grpcPort: e.WASMFLEET_GRPC_PORT,
    bind: e.WASMFLEET_BIND,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.WASMFLEET_REDIS_PREFIX,
    dataDir: path.resolve(e.WASMFLEET_DATA_DIR),
    logLevel: e.WASMFLEET_LOG_LEVEL,
    adminToken: e.WASMFLEET_ADMIN_TOKEN,
    fanOutBatch: e.WASMFLEET_XDS_FANOUT_BATCH,
    debounce: { quietMs: e.WASMFLEET_XDS_DEBOUNCE_MS, maxMs: e.WASMFLEET_XDS_DEBOUNCE_MAX_MS },
    publicUrl: e.WASMFLEET_PUBLIC_URL,
    webhooks: (e.WASMFLEET_WEBHOOKS ?? '').split(',').map((u) => u.trim()).filter(Boolean),
    webhookSecret: e.WASMFLEET_WEBHOOK_SECRET,
    allowSelfApproval: e.WASMFLEET_ALLOW_SELF_APPROVAL === 'true',
    scrapeIntervalMs: e.WASMFLEET_SCRAPE_INTERVAL_MS,
    prometheusUrl: e.WASMFLEET_PROMETHEUS_URL,
  };
}
