// One HTTP exchange with everything a fetch from an untrusted place needs: a deadline for the answer and for each
// silence while the body streams, the address guard on every connection (redirects included), plain HTTP only
// where allowed, a capped body hashed as it arrives, and retries of idempotent requests after 5xx.
import http from 'node:http';
import https from 'node:https';
import { DigestVerifier } from './digest.js';
import { OciError } from './errors.js';
import { formatBytes } from './format-bytes.js';
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type TransportOptions } from './options.js';
import { AddressPolicy, isLoopbackHost } from './ssrf-guard.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequestInit {
  method: HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /** plain http:// allowed for this request even if the host is not marked insecure (sha256-pinned module URLs) */
  allowPlainHttp?: boolean;
}

export interface ReadBodyOptions {
  maxBytes: number;
  /** what the body is, for messages: "manifest", "blob sha256:…" */
  what: string;
  /** verified while streaming; a mismatch fails at the end */
  digest?: string;
  /** the exact size the body must have (a descriptor's size) */
  size?: number;
  onChunk?: (bytesDone: number) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const RETRYABLE_STATUS = (s: number) => s >= 500 || s === 429;

export class HttpResponse {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: URL,
    readonly method: HttpMethod,
    private readonly res: http.IncomingMessage,
    private readonly timeoutMs: number,
    private readonly failure: (err: unknown) => OciError,
  ) {}

  header(name: string): string | undefined {
    const v = this.res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  headerAll(name: string): string[] {
    const v = this.res.headers[name.toLowerCase()];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }

  /** Reads the whole body within the cap, verifying size and digest as it streams. */
  async read(opts: ReadBodyOptions): Promise<Buffer> {
    const declared = Number(this.header('content-length') ?? NaN);
    if (declared > opts.maxBytes) {
      this.res.destroy();
      throw tooLarge(opts.what, declared, opts.maxBytes);
    }
    const verifier = opts.digest ? new DigestVerifier(opts.digest) : undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    let idle = setTimeout(() => this.res.destroy(idleTimeout(this, this.timeoutMs)), this.timeoutMs);
    try {
      for await (const chunk of this.res as AsyncIterable<Buffer>) {
        clearTimeout(idle);
        idle = setTimeout(() => this.res.destroy(idleTimeout(this, this.timeoutMs)), this.timeoutMs);
        total += chunk.length;
        if (total > opts.maxBytes) throw tooLarge(opts.what, total, opts.maxBytes, true);
        if (opts.size !== undefined && total > opts.size) throw sizeMismatch(opts.what, opts.size, `more than ${opts.size}`);
        verifier?.update(chunk);
        chunks.push(chunk);
        opts.onChunk?.(total);
      }
    } catch (err) {
      this.res.destroy();
      throw err instanceof OciError ? err : this.failure(err);
    } finally {
      clearTimeout(idle);
    }
    if (opts.size !== undefined && total !== opts.size) throw sizeMismatch(opts.what, opts.size, String(total));
    if (verifier) {
      const actual = verifier.actual();
      if (actual !== verifier.expected) {
        throw new OciError(
          'digest-mismatch',
          `${opts.what} from ${this.url.host} has digest ${actual}, expected ${verifier.expected}: the content was corrupted or replaced; nothing was kept. Check the registry's storage, or re-push the image`,
        );
      }
    }
    return Buffer.concat(chunks, total);
  }

  async text(maxBytes = 1024 * 1024): Promise<string> {
    return (await this.read({ maxBytes, what: `${this.method} ${this.url.pathname} answer` })).toString('utf8');
  }

  /** Throws the body away so the connection can be reused. */
  async drain(): Promise<void> {
    if (this.res.complete || this.res.destroyed) return;
    await this.read({ maxBytes: 1024 * 1024, what: 'response' }).catch(() => this.res.destroy());
  }
}

export class HttpTransport {
  readonly policy: AddressPolicy;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly insecure: readonly string[];

  constructor(private readonly opts: TransportOptions = {}) {
    this.policy = new AddressPolicy({ allowLoopback: opts.allowLoopback, blockedCidrs: opts.blockedCidrs });
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) });
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = opts.retries ?? DEFAULT_RETRIES;
    this.backoffMs = opts.retryBackoffMs ?? 250;
    this.insecure = opts.insecureRegistries ?? [];
  }

  /** Plain HTTP is used for loopback hosts and for hosts the user marked insecure. */
  allowsPlainHttp(host: string): boolean {
    const hostname = new URL(`http://${host}`).hostname;
    return isLoopbackHost(hostname) || this.insecure.some((h) => h === '*' || h === host || h === hostname);
  }

  /** Sends a request: follows redirects, retries idempotent ones after 5xx / broken connections. */
  async send(init: HttpRequestInit): Promise<HttpResponse> {
    const idempotent = init.method === 'GET' || init.method === 'HEAD';
    for (let attempt = 0; ; attempt++) {
      const last = !idempotent || attempt >= this.retries;
      try {
        const res = await this.sendFollowingRedirects(init);
        if (last || !RETRYABLE_STATUS(res.status)) return res;
        await res.drain();
      } catch (err) {
        const retryable = err instanceof OciError && err.code === 'unreachable' && (err.details.cause as NodeJS.ErrnoException)?.code === 'ECONNRESET';
        if (last || !retryable) throw err;
      }
      await sleep(this.backoffMs * 2 ** attempt, this.opts.signal);
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async sendFollowingRedirects(init: HttpRequestInit): Promise<HttpResponse> {
    let current = init;
    for (let hop = 0; ; hop++) {
      const res = await this.once(current);
      const location = res.header('location');
      if (!REDIRECTS.has(res.status) || !location || hop >= MAX_REDIRECTS) return res;
      // 301/302 may only be replayed for GET/HEAD; a registry redirecting an upload that way gets its answer back.
      if (!(current.method === 'GET' || current.method === 'HEAD' || res.status === 303 || res.status === 307 || res.status === 308)) return res;
      await res.drain();
      const next = new URL(location, current.url);
      const headers = { ...current.headers };
      // Credentials are for the host that asked for them, never for the blob store it redirects to.
      if (next.origin !== current.url.origin) delete headers['authorization'];
      const method = res.status === 303 && current.method !== 'HEAD' ? 'GET' : current.method;
      current = { ...current, method, url: next, headers, body: method === 'GET' ? undefined : current.body, allowPlainHttp: current.allowPlainHttp && next.protocol === current.url.protocol };
    }
  }

  private once(init: HttpRequestInit): Promise<HttpResponse> {
    const { url } = init;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new OciError('invalid-reference', `cannot fetch ${url.href}: only http and https are supported`));
    }
    if (url.protocol === 'http:' && !init.allowPlainHttp && !this.allowsPlainHttp(url.host)) {
      return Promise.reject(
        new OciError('insecure-not-allowed', `refusing plain HTTP to ${url.host}: use https, or mark the registry insecure (insecureRegistries / --insecure) if it has no TLS`),
      );
    }
    try {
      this.policy.checkHost(url.hostname);
    } catch (err) {
      return Promise.reject(err);
    }
    const controller = new AbortController();
    const signal = this.opts.signal ? AbortSignal.any([controller.signal, this.opts.signal]) : controller.signal;
    let timedOut = false;
    const failure = (err: unknown): OciError => {
      if (err instanceof OciError) return err;
      if (timedOut) return headerTimeout(init, this.timeoutMs);
      if (this.opts.signal?.aborted) return new OciError('aborted', `${init.method} ${url.host}${url.pathname} was cancelled`, { cause: err });
      return unreachable(init, err);
    };
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.timeoutMs);
      const headers: Record<string, string> = { 'user-agent': 'wasmfleet', ...init.headers };
      if (init.body) headers['content-length'] = String(init.body.length);
      else if (init.method === 'PUT' || init.method === 'POST' || init.method === 'PATCH') headers['content-length'] = '0';
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, {
        method: init.method,
        headers,
        signal,
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        lookup: this.policy.lookup(this.opts.resolver),
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        resolve(new HttpResponse(res.statusCode ?? 0, res.statusMessage ?? '', url, init.method, res, this.timeoutMs, failure));
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(failure(err));
      });
      req.end(init.body);
    });
  }
}

function tooLarge(what: string, size: number, max: number, streaming = false): OciError {
  return new OciError(
    'too-large',
    `${what} is ${streaming ? 'more than ' : ''}${formatBytes(size)}, over the limit of ${formatBytes(max)}: raise the limit (maxModuleBytes / maxManifestBytes) if this size is expected`,
  );
}

function sizeMismatch(what: string, expected: number, got: string): OciError {
  return new OciError('digest-mismatch', `${what} should be ${expected} bytes, the registry sent ${got}: the content was corrupted or replaced; nothing was kept`);
}

function headerTimeout(init: HttpRequestInit, ms: number): OciError {
  return new OciError(
    'timeout',
    `${init.url.host} did not answer ${init.method} ${init.url.pathname} within ${ms} ms: check that the registry is up and reachable, or raise timeoutMs`,
    { url: init.url.href },
  );
}

function idleTimeout(res: HttpResponse, ms: number): OciError {
  return new OciError('timeout', `${res.url.host} stopped sending ${res.url.pathname} for ${ms} ms: the registry or network stalled; try again or raise timeoutMs`, {
    url: res.url.href,
  });
}

function unreachable(init: HttpRequestInit, err: unknown): OciError {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const msg = (err as Error)?.message ?? String(err);
  const tls = /SSL|TLS|EPROTO|CERT|wrong version number/i.test(`${code} ${msg}`);
  const hint = tls
    ? init.url.protocol === 'https:'
      ? 'the TLS handshake failed: if the registry serves plain HTTP mark it insecure, if it uses a private CA pass ca'
      : 'the TLS handshake failed'
    : code === 'ECONNREFUSED'
      ? 'nothing listens there: is the registry running, and is the port right?'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve: check the spelling and DNS'
        : 'the connection failed: check the network and try again';
  return new OciError('unreachable', `cannot reach ${init.url.host} for ${init.method} ${init.url.pathname} (${code || msg}): ${hint}`, {
    url: init.url.href,
    cause: err,
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OciError('aborted', 'cancelled'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(new OciError('aborted', 'cancelled'))), { once: true });
  });
}
