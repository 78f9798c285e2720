// Webhook deliveries must never hold up a rollout: a real server and Redis, and a webhook receiver that takes
// every connection and never answers (each delivery then spends up to a minute in timeouts and retries).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startModuleServer, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import { rolloutBody, waitPhase } from '../../../../testing/rollout-fixtures.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { mintToken } from '../../../../testing/tokens.js';

let redis: TestRedis;
let modules: TestHttpServer;
let server: ServerProcess;
let operator: string;
let hung: http.Server;
let deliveries = 0;

beforeAll(async () => {
  hung = http.createServer(() => void (deliveries += 1)); // reads the request, never answers
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/hook`;
  [redis, modules] = await Promise.all([startRedis(), startModuleServer()]);
  server = await startServer({ redisUrl: redis.url, env: { WASMFLEET_WEBHOOKS: hookUrl, WASMFLEET_WEBHOOK_SECRET: 'webhook-test-secret-0123456789' } });
  operator = await mintToken(server, ['operator']);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  hung?.closeAllConnections();
  await new Promise((resolve) => hung?.close(resolve));
  await modules?.close();
  await redis?.stop();
});

it('Given a webhook receiver that never answers, When a rollout goes through 12 waves with 1 s pauses, Then it succeeds on time, while the deliveries still wait', { timeout: 60_000 }, async () => {
  // Each wave and pause is notified (started, step completed, ...): far more deliveries than job workers.
  const steps = Array.from({ length: 12 }, (_, i) => [{ proxies: `${(i + 1) * 8}%` }, { pause: { duration: '1s' } }]).flat();
  steps.push({ proxies: '100%' });
  const spec = rolloutBody({ name: 'hung-hooks', namespace: 'hooks', modulesUrl: modules.url, filter: 'add-header', steps });
  const started = Date.now();
  expect((await server.api('POST', '/api/v1/rollouts', spec, operator)).status).toBe(201);

  const done = await waitPhase(() => server, 'hooks/hung-hooks', ['Succeeded', 'Failed', 'RolledBack', 'Aborted'], operator, 40_000);
  expect(done.phase, done.message).toBe('Succeeded');
  // 12 pauses of 1 s: a few seconds over that, not a minute of webhook timeouts
  expect(Date.now() - started).toBeLessThan(25_000);
  expect(deliveries).toBeGreaterThanOrEqual(4); // the receiver was called, and is still being waited on
});

it('And the server stops at once on SIGTERM, not after the deliveries time out', async () => {
  const asked = Date.now();
  const code = await server.stop();
  expect(code).toBe(0); // exited by itself: the harness kills with SIGKILL (code null) after 5 s
  expect(Date.now() - asked).toBeLessThan(5_000);
}, 60_000);
