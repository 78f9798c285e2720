// Boots the management server: validated config, Redis (embedded when REDIS_URL is unset), REST on
// Fastify, ECDS on gRPC. Stops everything it started on SIGINT/SIGTERM.
import 'reflect-metadata';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ValidationError } from '@wasmfleet/api';
import { adminTokenFromFile } from './app/admin-token.js';
import { AppModule } from './app/app.module.js';
import { createServerContext, type ServerContext } from './app/server-context.js';
import { loadServerConfig } from './config/server-config.js';
import { RedisNotInstalledError, startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded-redis.js';

const LEVELS: Record<string, LogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

const hostOf = (bind: string) => (bind.includes(':') ? `[${bind}]` : bind);

async function main(): Promise<void> {
  const config = loadServerConfig();
  const logger = new ConsoleLogger('wasmfleet', { logLevels: LEVELS[config.logLevel] ?? LEVELS['info']! });

  let embedded: EmbeddedRedis | undefined;
  let redisUrl = config.redisUrl;
  if (!redisUrl) {
    embedded = await startEmbeddedRedis(config.dataDir);
    redisUrl = embedded.url;
    logger.log(`started embedded redis-server (data in ${config.dataDir}/redis, AOF on)`);
  }

  let adminToken = config.adminToken;
  if (!adminToken) {
    const generated = adminTokenFromFile(config.dataDir);
    adminToken = generated.token;
    logger.log(`admin token ${generated.created ? 'written to' : 'read from'} ${generated.file}`);
  }

  let ctx: ServerContext | undefined;
  let app: NestFastifyApplication | undefined;
  try {
    ctx = await createServerContext({
      redisUrl,
      redisPrefix: config.redisPrefix,
      adminToken,
      fanOutBatch: config.fanOutBatch,
      debounce: config.debounce,
      dataDir: config.dataDir,
      // Known before listening unless the port is 0; then setPublicUrl() below supplies it.
      ...((config.publicUrl || config.httpPort !== 0) && { publicUrl: config.publicUrl ?? `http://${hostOf(config.bind)}:${config.httpPort}` }),
      webhooks: config.webhooks,
      ...(config.webhookSecret && { webhookSecret: config.webhookSecret }),
      allowSelfApproval: config.allowSelfApproval,
      scrapeIntervalMs: config.scrapeIntervalMs,
      ...(config.prometheusUrl && { prometheusUrl: config.prometheusUrl }),
      log: (level, message) => (level === 'warn' ? logger.warn(message) : logger.debug(message)),
    });
    app = await NestFactory.create<NestFastifyApplication>(AppModule.register(ctx), new FastifyAdapter({ bodyLimit: 1024 * 1024 }), {
      logger,
    });
    // Rollouts may be applied as YAML (`wasmfleet rollout apply -f rollout.yaml`, curl --data-binary).
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    await app.listen(config.httpPort, config.bind);
    const httpPort = (app.getHttpServer().address() as { port: number }).port;
    ctx.setPublicUrl(`http://${hostOf(config.bind)}:${httpPort}`);
    const grpcPort = await ctx.ecds.start(config.bind, config.grpcPort);
    logger.log(`ready: REST http://${config.bind}:${httpPort} · ECDS gRPC ${config.bind}:${grpcPort}`);
  } catch (err) {
    // Leave nothing running behind a failed start (an embedded redis-server above all).
    await app?.close().catch(() => undefined);
    await ctx?.close().catch(() => undefined);
    await embedded?.stop();
    throw err;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    ctx!.events.close(); // SSE streams would hold app.close() open
    await app!.close();
    await ctx!.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ValidationError || err instanceof RedisNotInstalledError) {
    console.error(`wasmfleet-server: ${err.message}`);
  } else if ((err as { code?: string }).code === 'EADDRINUSE') {
    console.error(`wasmfleet-server: ${(err as Error).message}: another process holds the port; set WASMFLEET_HTTP_PORT or stop it`);
  } else {
    console.error('wasmfleet-server failed to start:', err);
  }
  process.exit(1);
});
