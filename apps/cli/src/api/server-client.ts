// The management server's REST API as the CLI uses it: JSON requests with the bearer token, error answers turned
// into CliErrors (server-errors.ts), and the Server-Sent Events stream for `rollout status --watch`.
// The token lives in a private field: it goes into the authorization header and nowhere else.
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { serverError, unreachableError, type RequestContext } from './server-errors.js';
import { serverTarget, type ServerFlags, type ServerTarget } from './server-options.js';
import { SseParser, type SseEvent } from './sse.js';

const REQUEST_TIMEOUT_MS = 30_000;

export interface RequestOptions {
  /** query parameters; undefined values are left out */
  query?: Record<string, string | number | undefined>;
  /** a JSON value, or text sent as it is with `contentType` */
  body?: unknown;
  contentType?: string;
  subject?: RequestContext['subject'];
  hints?: RequestContext['hints'];
}

export class ServerClient {
  readonly url: string;
  readonly #token: string;

  constructor(target: ServerTarget) {
    this.url = target.url;
    this.#token = target.token;
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts);
  }

  post<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, opts);
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const target = this.target(path, opts.query);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' && opts.contentType ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(target, { method, headers, ...(body !== undefined && { body }), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      text = await res.text();
    } catch (err) {
      throw unreachableError(this.url, err);
    }
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a proxy's error page): shown as text
    }
    if (!res.ok) throw serverError(res.status, parsed, { method, path, server: this.url, ...(opts.subject && { subject: opts.subject }), ...(opts.hints && { hints: opts.hints }) });
    if (typeof parsed !== 'object' || parsed === null) {
      throw new CliError(`${method} ${path} answered HTTP ${res.status} without JSON: is ${this.url} a Wasmfleet management server?`, ExitCode.failure);
    }
    return parsed as T;
  }

  /**
   * GET /api/v1/events: resolves once the server accepted the stream, then yields its events until the server
   * closes it or `signal` aborts (then it just ends). The server's `retry:` is in `retryMs` for reconnecting.
   */
  async events(signal: AbortSignal): Promise<{ events: AsyncGenerator<SseEvent>; retryMs: () => number | undefined }> {
    const path = '/api/v1/events';
    let res: Response;
    try {
      res = await fetch(this.target(path), { headers: { authorization: `Bearer ${this.#token}`, accept: 'text/event-stream' }, signal });
    } catch (err) {
      throw unreachableError(this.url, err);
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      throw serverError(res.status, parsed, { method: 'GET', path, server: this.url });
    }
    const parser = new SseParser();
    const stream = res.body;
    const url = this.url;
    async function* read(): AsyncGenerator<SseEvent> {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
          for (const e of parser.push(decoder.decode(chunk, { stream: true }))) yield e;
        }
      } catch (err) {
        if (signal.aborted) return;
        throw unreachableError(url, err);
      }
    }
    return { events: read(), retryMs: () => parser.retryMs };
  }

  private target(path: string, query?: RequestOptions['query']): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return `${this.url}${path}${qs ? `?${qs}` : ''}`;
  }
}

/** The client for the server and token the flags (or the environment) name. */
export function connect(flags: ServerFlags): ServerClient {
  return new ServerClient(serverTarget(flags));
}
