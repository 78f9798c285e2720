// Rollout notifications to webhooks: the Notify effects of libs/rollout (started, step completed, awaiting
// approval, paused, failed, rolled back, succeeded, aborted) as signed JSON, retried with exponential
// backoff and jitter on network errors, 5xx and 429, never on other 4xx. Framework-free: `deliver()` runs
// the retries in-process; a queue (BullMQ) can instead call `deliverOnce()` and schedule `nextDelay()`.
import { createHash } from 'node:crypto';
import type { NotifyEvent, Reason } from '@wasmfleet/rollout';
import { OutboundUrlError, checkOutboundUrl, redact, resolveOutboundUrl, systemLookup, type HostLookup } from './outbound-url.js';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js';

export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['started', 'step-completed', 'awaiting-approval', 'paused', 'failed', 'rolled-back', 'succeeded', 'aborted'];
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const EVENT_HEADER = 'x-wasmfleet-event';

/** A Notify effect plus when it happened; keep `at` with a queued job so every attempt sends the same bytes. */
export interface RolloutNotification {
  event: NotifyEvent;
  rolloutId: string;
  revision: number;
  reason: Reason;
  at: string | Date;
}

export interface DeliveryAttempt {
  ok: boolean;
  /** Worth another attempt later (network error, timeout, 5xx, 429). */
  retryable: boolean;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** What went wrong, URL redacted. */
  error?: string;
  /** The receiver's Retry-After, in ms. */
  retryAfterMs?: number;
}

export interface DeliveryReport extends DeliveryAttempt {
  /** The URL without query or credentials. */
  url: string;
  attempts: number;
}

export interface WebhookNotifierOptions {
  urls: readonly string[];
  /** HMAC-SHA256 key for the signature header; at least 16 characters. */
  secret: string;
  /** Default 5. */
  maxAttempts?: number;
  /** Default 1 s. */
  baseDelayMs?: number;
  /** Default 60 s. */
  maxDelayMs?: number;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); for the jitter. */
  random?: () => number;
  lookup?: HostLookup;
  /** After each attempt: for metrics and logs. */
  onAttempt?: (info: DeliveryAttempt & { url: string; attempt: number; event: NotifyEvent; rolloutId: string }) => void;
}

export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError';
}

export class WebhookNotifier {
  private readonly urls: string[];
  private readonly o: Required<Omit<WebhookNotifierOptions, 'onAttempt' | 'urls'>> & Pick<WebhookNotifierOptions, 'onAttempt'>;

  constructor(options: WebhookNotifierOptions) {
    if (typeof options.secret !== 'string' || options.secret.length < 16) {
      throw new WebhookConfigError('webhook secret must be at least 16 characters: receivers verify the signature with it');
    }
    const problems: string[] = [];
    this.urls = options.urls.flatMap((raw) => {
      try {
        return [checkOutboundUrl(raw).href];
      } catch (err) {
        problems.push(err instanceof OutboundUrlError ? err.message : String(err));
        return [];
      }
    });
    if (problems.length > 0) throw new WebhookConfigError(`invalid webhook URLs: ${problems.join('; ')}`);
    this.o = {
      secret: options.secret,
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: options.random ?? Math.random,
      lookup: options.lookup ?? systemLookup,
      onAttempt: options.onAttempt,
    };
    for (const k of ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'timeoutMs'] as const) {
      if (!(this.o[k] > 0)) throw new WebhookConfigError(`webhook ${k} must be > 0, got ${this.o[k]}`);
    }
  }

  /** The configured URLs (normalized). */
  targets(): readonly string[] {
    return this.urls;
  }

  /** Sends to every URL, each with its own retries. Never rejects: failures are in the reports. */
  notify(notification: RolloutNotification): Promise<DeliveryReport[]> {
    return Promise.all(this.urls.map((url) => this.deliver(notification, url)));
  }

  /** One URL, retried up to maxAttempts with nextDelay() (or the receiver's Retry-After, if longer). */
  async deliver(notification: RolloutNotification, url: string): Promise<DeliveryReport> {
    let attempt = 0;
    for (;;) {
      attempt++;
      const result = await this.deliverOnce(notification, url);
      this.o.onAttempt?.({ ...result, url: redact(url), attempt, event: notification.event, rolloutId: notification.rolloutId });
      if (result.ok || !result.retryable || attempt >= this.o.maxAttempts) return { ...result, url: redact(url), attempts: attempt };
      await this.o.sleep(Math.max(this.nextDelay(attempt), Math.min(result.retryAfterMs ?? 0, this.o.maxDelayMs)));
    }
  }

  /**
   * How long to wait after failed attempt number `attempt` (1-based): base · 2^(attempt-1), capped at the
   * maximum, then "equal jitter" (between half and all of it) so that receivers coming back up are not hit
   * by every sender at once.
   */
  nextDelay(attempt: number): number {
    const exponent = Math.max(0, Math.floor(attempt) - 1);
    const capped = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(exponent, 52));
    return Math.round(capped / 2 + this.o.random() * (capped / 2));
  }

  /** The exact bytes and headers every attempt of this notification sends. */
  payload(notification: RolloutNotification): { body: string; headers: Record<string, string> } {
    checkNotification(notification);
    const at = notification.at instanceof Date ? notification.at.toISOString() : notification.at;
    const body = JSON.stringify({
      event: notification.event,
      rolloutId: notification.rolloutId,
      revision: notification.revision,
      reason: { code: notification.reason.code, message: notification.reason.message },
      at,
    });
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'wasmfleet-webhook/1',
        [EVENT_HEADER]: notification.event,
        [SIGNATURE_HEADER]: signWebhookBody(this.o.secret, body),
        [IDEMPOTENCY_HEADER]: idempotencyKey(notification),
      },
    };
  }

  /** One POST to one configured URL; never rejects. Redirects are not followed (a 3xx fails, not retried). */
  async deliverOnce(notification: RolloutNotification, url: string): Promise<DeliveryAttempt> {
    let payload: ReturnType<WebhookNotifier['payload']>;
    let target: URL;
    try {
      payload = this.payload(notification);
      if (!this.urls.includes(safeHref(url))) throw new OutboundUrlError(url, 'not a configured webhook URL');
      target = await resolveOutboundUrl(url, this.o.lookup);
    } catch (err) {
      return { ok: false, retryable: false, error: (err as Error).message };
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.o.timeoutMs);
    try {
      const res = await this.o.fetch(target, { method: 'POST', body: payload.body, headers: payload.headers, redirect: 'manual', signal: abort.signal });
      await res.body?.cancel().catch(() => undefined);
      const status = res.status;
      if (status >= 200 && status < 300) return { ok: true, retryable: false, status };
      const retryAfterMs = retryAfter(res.headers.get('retry-after'));
      const retryable = status === 429 || status >= 500;
      const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, retryable, status, error: `${redact(url)} answered HTTP ${status}${why}`, ...(retryAfterMs !== undefined && { retryAfterMs }) };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const what = abort.signal.aborted ? `no answer within ${this.o.timeoutMs} ms` : (cause ?? (err as Error).message);
      return { ok: false, retryable: true, error: `${redact(url)}: ${what}` };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Same notification → same key, across attempts, queue redeliveries and server restarts. */
export function idempotencyKey(n: Pick<RolloutNotification, 'event' | 'rolloutId' | 'revision'>): string {
  return createHash('sha256').update(`${n.rolloutId}\n${n.revision}\n${n.event}`).digest('hex').slice(0, 32);
}

function checkNotification(n: RolloutNotification): void {
  const problem = !NOTIFY_EVENTS.includes(n.event)
    ? `unknown event ${JSON.stringify(n.event)} (expected one of ${NOTIFY_EVENTS.join(', ')})`
    : typeof n.rolloutId !== 'string' || n.rolloutId === ''
      ? 'rolloutId must be a non-empty string'
      : !Number.isInteger(n.revision)
        ? `revision must be an integer, got ${n.revision}`
        : typeof n.reason?.code !== 'string' || typeof n.reason.message !== 'string'
          ? 'reason must have a code and a message'
          : Number.isNaN(new Date(n.at).getTime())
            ? `at must be a date, got ${String(n.at)}`
            : undefined;
  if (problem !== undefined) throw new Error(`invalid notification: ${problem}`);
}

function safeHref(raw: string): string {
  try {
    return new URL(raw).href;
  } catch {
    return raw;
  }
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
