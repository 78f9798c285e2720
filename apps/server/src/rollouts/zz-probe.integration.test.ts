import { it } from 'vitest';
import { startRedis } from '../../../../testing/redis-server.js';
import { startServer } from '../../../../testing/server-process.js';
import { killHard } from '../../../../testing/rollout-fixtures.js';
it('probe', async () => {
  const redis = await startRedis();
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const s = await startServer({ redisUrl: redis.url, token: 'probe-token-0123456789', env: { WASMFLEET_PUBLIC_URL: 'http://127.0.0.1:9' } });
    console.log('start', i, Date.now() - t0);
    console.log(s.output());
    await new Promise((r) => setTimeout(r, 500));
    await killHard(s);
  }
  await redis.stop();
}, 120_000);
