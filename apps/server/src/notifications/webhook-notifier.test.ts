// The notifier against real local HTTP receivers: retries on 503/429/network errors, none on other 4xx,
// the signature checked here with node:crypto (not with our own helper), the same bytes and key per attempt.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_HEADER, WebhookConfigError, WebhookNotifier, type RolloutNotification, type WebhookNotifierOptions } from './webhook-notifier.js';
import { verifyWebhookSignature } from './webhook-signature.js';

const SECRET = 'test-secret-0123456789';

interface Receiver {
  url: string;
  requests: { method: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A webhook receiver answering the statuses in `script` in turn (the last one repeats). */
async function receiver(script: (number | [number, Record<string, string>] | 'hang')[]): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', headers: req.headers, body });
      const step = script[Math.min(requests.length - 1, script.length - 1)]!;
      if (step === 'hang') return;
      const [status, headers] = typeof step === 'number' ? [step, {}] : step;
      res.writeHead(status, headers).end(status >= 400 ? 'nope' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const r: Receiver = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/wasmfleet?team=edge`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  receivers.push(r);
  return r;
}

const event: RolloutNotification = {
  event: 'rolled-back',
  rolloutId: 'bookinfo/add-header',
  revision: 7,
  reason: { code: 'RolledBack', message: 'rolled back to revision 6: error rate 4% > 1%' },
  at: new Date('2026-04-01T08:30:00.000Z'),
};

function notifier(urls: string[], extra: Partial<WebhookNotifierOptions> = {}) {
  const sleeps: number[] = [];
  const n = new WebhookNotifier({
    urls,
    secret: SECRET,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  });
  return { n, sleeps };
}

describe('WebhookNotifier', () => {
  it('retries 503 twice, then delivers; every attempt is the same signed body with the same idempotency key', async () => {
    const hook = await receiver([503, 503, 200]);
    const { n, sleeps } = notifier([hook.url]);
    const [report] = await n.notify(event);
    expect(report).toEqual({ ok: true, retryable: false, status: 200, attempts: 3, url: hook.url.replace(/\?.*/, '') });
    expect(hook.requests).toHaveLength(3);
    expect(sleeps).toEqual([750, 1500]); // 1 s then 2 s, with jitter 0.5 → 75%
    const [first] = hook.requests;
    expect(JSON.parse(first!.body)).toEqual({
      event: 'rolled-back',
      rolloutId: 'bookinfo/add-header',
      revision: 7,
      reason: { code: 'RolledBack', message: 'rolled back to revision 6: error rate 4% > 1%' },
      at: '2026-04-01T08:30:00.000Z',
    });
    for (const r of hook.requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-wasmfleet-event']).toBe('rolled-back');
      expect(r.body).toBe(first!.body);
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
      expect(r.headers['x-wasmfleet-signature']).toBe(expected);
      expect(r.headers[IDEMPOTENCY_HEADER]).toBe(first!.headers[IDEMPOTENCY_HEADER]);
    }
    expect(first!.headers[IDEMPOTENCY_HEADER]).toMatch(/^[0-9a-f]{32}$/);
    // A receiver's check with our helper agrees, and fails for another secret or a changed body.
    expect(verifyWebhookSignature(SECRET, first!.body, first!.headers['x-wasmfleet-signature'] as string)).toBe(true);
    expect(verifyWebhookSignature('another-secret-456789', first!.body, first!.headers['x-wasmfleet-signature'] as string)).toBe(false);
    expect(verifyWebhookSignature(SECRET, first!.body.replace('7', '8'), first!.headers['x-wasmfleet-signature'] as string)).toBe(false);
  });

  it('gives distinct notifications distinct idempotency keys, and the same notification the same key', async () => {
    const hook = await receiver([200]);
    const { n } = notifier([hook.url]);
    await n.notify(event);
    await n.notify({ ...event, at: '2026-04-01T08:31:00.000Z' }); // a redelivery of the same notification
    await n.notify({ ...event, event: 'failed' });
    await n.notify({ ...event, revision: 8 });
    const keys = hook.requests.map((r) => r.headers[IDEMPOTENCY_HEADER]);
    expect(keys[1]).toBe(keys[0]);
    expect(new Set([keys[0], keys[2], keys[3]]).size).toBe(3);
  });

  it('does not retry a 400', async () => {
    const hook = await receiver([400, 200]);
    const { n, sleeps } = notifier([hook.url]);
    const [report] = await n.notify(event);
    expect(report).toMatchObject({ ok: false, retryable: false, status: 400, attempts: 1 });
    expect(report!.error).toMatch(/answered HTTP 400/);
    expect(report!.error).not.toContain('team=edge');
    expect(hook.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 429, waiting at least its Retry-After', async () => {
    const hook = await receiver([[429, { 'retry-after': '7' }], 200]);
    const { n, sleeps } = notifier([hook.url]);
    const [report] = await n.notify(event);
    expect(report).toMatchObject({ ok: true, attempts: 2 });
    expect(sleeps).toEqual([7_000]);
  });

  it('gives up after maxAttempts of 5xx', async () => {
    const hook = await receiver([500]);
    const { n, sleeps } = notifier([hook.url]);
    const [report] = await n.notify(event);
    expect(report).toMatchObject({ ok: false, retryable: true, status: 500, attempts: 5 });
    expect(hook.requests).toHaveLength(5);
    expect(sleeps).toEqual([750, 1500, 3000, 6000]);
  });

  it('retries network errors and timeouts', async () => {
    const closed = await receiver([200]);
    await closed.close();
    receivers.splice(receivers.indexOf(closed), 1);
    const hanging = await receiver(['hang']);
    const { n, sleeps } = notifier([closed.url, hanging.url], { maxAttempts: 2, timeoutMs: 200 });
    const [refused, timedOut] = await n.notify(event);
    expect(refused).toMatchObject({ ok: false, retryable: true, attempts: 2 });
    expect(refused!.error).toMatch(/ECONNREFUSED/);
    expect(timedOut).toMatchObject({ ok: false, retryable: true, attempts: 2 });
    expect(timedOut!.error).toMatch(/no answer within 200 ms/);
    expect(hanging.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(2);
  });

  it('does not follow redirects', async () => {
    const elsewhere = await receiver([200]);
    const redirecting = await receiver([[307, { location: elsewhere.url }]]);
    const { n } = notifier([redirecting.url]);
    const [report] = await n.notify(event);
    expect(report).toMatchObject({ ok: false, retryable: false, status: 307, attempts: 1 });
    expect(report!.error).toMatch(/redirects are not followed/);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('delivers to every configured URL, and reports each', async () => {
    const [a, b] = [await receiver([200]), await receiver([404])];
    const attempts: string[] = [];
    const { n } = notifier([a.url, b.url], { onAttempt: (i) => attempts.push(`${i.attempt}:${i.status}:${i.event}:${i.rolloutId}`) });
    const reports = await n.notify(event);
    expect(reports.map((r) => [r.ok, r.status])).toEqual([
      [true, 200],
      [false, 404],
    ]);
    expect(attempts.sort()).toEqual(['1:200:rolled-back:bookinfo/add-header', '1:404:rolled-back:bookinfo/add-header']);
  });

  it('deliverOnce: one attempt, for a queue to schedule the next with nextDelay()', async () => {
    const hook = await receiver([503, 200]);
    const { n, sleeps } = notifier([hook.url]);
    expect(await n.deliverOnce(event, hook.url)).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(await n.deliverOnce(event, hook.url)).toEqual({ ok: true, retryable: false, status: 200 });
    expect(sleeps).toEqual([]);
    // Only configured URLs, and only well-formed notifications.
    expect(await n.deliverOnce(event, 'http://127.0.0.1:1/other')).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/not a configured webhook URL/) });
    const bad = { ...event, event: 'exploded' } as unknown as RolloutNotification;
    expect(await n.deliverOnce(bad, hook.url)).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/unknown event "exploded"/) });
    expect(hook.requests).toHaveLength(2);
  });

  it('refuses to deliver where a configured name now resolves to a metadata address', async () => {
    const { n } = notifier(['http://hooks.internal:8080/x'], { lookup: async () => ['169.254.169.254'] });
    expect(await n.deliverOnce(event, 'http://hooks.internal:8080/x')).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/resolves to 169\.254\.169\.254/),
    });
  });

  it.each([
    [0, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]],
    [0.999999, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]],
  ])('nextDelay with random %d: exponential, capped at 60 s, with jitter', (r, delays) => {
    const { n } = notifier(['http://127.0.0.1:1/'], { random: () => r });
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((a) => n.nextDelay(a))).toEqual(delays);
  });

  it('refuses bad configuration at construction', () => {
    expect(() => new WebhookNotifier({ urls: ['http://169.254.169.254/'], secret: SECRET })).toThrow(WebhookConfigError);
    expect(() => new WebhookNotifier({ urls: ['ftp://x/', 'http://ok.example/'], secret: SECRET })).toThrow(/invalid webhook URLs: .*ftp:/);
    expect(() => new WebhookNotifier({ urls: ['http://ok.example/'], secret: 'short' })).toThrow(/at least 16 characters/);
    expect(() => new WebhookNotifier({ urls: [], secret: SECRET, maxAttempts: 0 })).toThrow(/maxAttempts must be > 0/);
  });
});
