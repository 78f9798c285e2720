// The server as a process: replicas on one Redis, the embedded Redis, and a bad environment.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authMetadata, ecdsClient, StreamProbe, TEC_TYPE_URL } from '../../../testing/ecds-client.js';
import { startRedis, type TestRedis } from '../../../testing/redis-server.js';
import { SERVER_MAIN, startServer, type ServerProcess } from '../../../testing/server-process.js';
import { slotSpec } from '../../../testing/slot-fixtures.js';

describe('two replicas on one Redis', () => {
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    redis = await startRedis();
    const token = 'shared-admin-token-for-replicas';
    [a, b] = await Promise.all([startServer({ redisUrl: redis.url, token }), startServer({ redisUrl: redis.url, token })]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('pushes a change made through replica A to streams on replica B', async () => {
    // Given a proxy on replica B subscribed to a slot created through replica A
    const slot = 'wasmfleet.bookinfo.replicated';
    expect((await a.api('POST', '/api/v1/slots', { name: slot, spec: slotSpec() })).status).toBe(201);
    const client = ecdsClient(b.grpcTarget);
    const probe = new StreamProbe(client.DeltaExtensionConfigs(authMetadata(b.token)));
    probe.write({ node: { id: 'proxy-on-b', cluster: 'c' }, type_url: TEC_TYPE_URL, resource_names_subscribe: [slot] });
    const first = await probe.next(1);
    probe.write({ type_url: TEC_TYPE_URL, response_nonce: first.nonce });

    // When replica A updates it, Then B's stream receives the new version
    const updated = await a.api('PUT', `/api/v1/slots/${slot}`, { spec: slotSpec({ config: { from: 'a' } }) });
    const second = await probe.next(2, 2_000);
    expect(second.resources[0].version).toBe(updated.body.version);
    // And B's REST API reads the same slot
    expect((await b.api('GET', `/api/v1/slots/${slot}`)).body.version).toBe(updated.body.version);
    probe.close();
    client.close();
  });
});

/** Pids of the redis-server processes whose parent is `ppid`. */
function redisChildrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').trim();
        const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat)!;
        const parent = Number(rest!.split(' ')[1]);
        return comm!.startsWith('redis-server') && parent === ppid ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

describe('embedded Redis', () => {
  it('starts a private redis-server with AOF when REDIS_URL is unset, keeps data across restarts, and stops it on exit', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-embedded-'));
    try {
      const env = { WASMFLEET_DATA_DIR: dataDir };
      const first = await startServer({ env });
      expect(first.output()).toMatch(/started embedded redis-server/);
      const redisPids = redisChildrenOf(first.child.pid!);
      expect(redisPids).toHaveLength(1);
      expect((await first.api('POST', '/api/v1/slots', { name: 'kept', spec: slotSpec() })).status).toBe(201);
      expect(await first.stop()).toBe(0);
      expect(redisPids.filter(alive)).toEqual([]);
      expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);

      const second = await startServer({ env });
      expect((await second.api('GET', '/api/v1/slots/kept')).status).toBe(200);
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('writes a generated admin token to a file only its owner can read, and never logs it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-token-'));
    try {
      const server = await startServer({ env: { WASMFLEET_DATA_DIR: dataDir, WASMFLEET_ADMIN_TOKEN: '' } });
      const file = path.join(dataDir, 'admin-token');
      const token = readFileSync(file, 'utf8').trim();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(server.output()).not.toContain(token);
      expect((await server.api('GET', '/api/v1/slots', undefined, token)).status).toBe(200);
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('shutdown', () => {
  it('exits on SIGTERM even while an SSE client is connected', async () => {
    const redis = await startRedis();
    try {
      const server = await startServer({ redisUrl: redis.url });
      const res = await fetch(`${server.http}/api/v1/events`, { headers: { authorization: `Bearer ${server.token}` } });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      const started = Date.now();
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000); // stop() would SIGKILL after 5 s (exit code null)
      await reader.cancel().catch(() => undefined);
    } finally {
      await redis.stop();
    }
  });
});

describe('configuration', () => {
  it('refuses to start on an invalid environment, naming the variable', async () => {
    const child = spawn(process.execPath, [SERVER_MAIN], {
      env: { ...process.env, WASMFLEET_HTTP_PORT: 'eighty', REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/env\.WASMFLEET_HTTP_PORT/);
  });
});
