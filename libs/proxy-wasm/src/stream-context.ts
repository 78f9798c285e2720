// Per-context state: the plugin's root context and one HTTP stream context per request. The stream
// holds what the filter can read and change (header maps, bodies, trailers), what it decided (local
// reply, close), and the pause/resume handshake between the exchange runner and proxy_continue_*.

import { HeaderMap } from './header-map.js';
import type { VmFailure } from './errors.js';
import type { FilterLogEntry, HttpRequest, LocalReply } from './types.js';

export class RootContext {
  readonly kind = 'root';
  /** Values set with proxy_set_property on the root context, by dotted path. */
  readonly properties = new Map<string, Uint8Array>();
  constructor(readonly id: number) {}
}

export type Direction = 'request' | 'response';

export class StreamContext {
  readonly kind = 'stream';
  readonly properties = new Map<string, Uint8Array>();
  readonly requestHeaders: HeaderMap;
  requestBody: Uint8Array;
  readonly requestTrailers: HeaderMap;
  readonly responseHeaders = new HeaderMap();
  responseBody: Uint8Array = new Uint8Array(0);
  readonly responseTrailers = new HeaderMap();
  /** Which half of the exchange the filter is processing. */
  direction: Direction = 'request';
  localReply?: LocalReply;
  /** The filter called proxy_close_stream. */
  closed = false;
  responseDetails = 'via_upstream';
  readonly logs: FilterLogEntry[] = [];
  private resumed = false;
  private waiter?: { resolve: () => void; reject: (err: unknown) => void };
  private failure?: VmFailure;

  constructor(
    readonly id: number,
    readonly request: HttpRequest,
    readonly startedNanos: bigint,
  ) {
    const entries: [string, string][] = [
      [':authority', request.authority],
      [':path', request.path],
      [':method', request.method],
      [':scheme', request.scheme],
    ];
    for (const [k, v] of request.headers) entries.push([k.toLowerCase(), v]);
    this.requestHeaders = new HeaderMap(entries);
    this.requestBody = request.body ?? new Uint8Array(0);
    this.requestTrailers = new HeaderMap(request.trailers ? [...request.trailers] : []);
  }

  /** Whether the stream stops here: a local reply was sent or the stream was closed. */
  get finished(): boolean {
    return this.localReply !== undefined || this.closed;
  }

  /** proxy_continue_stream / proxy_continue_request / proxy_continue_response. */
  resume(direction: Direction): boolean {
    if (direction !== this.direction) return false;
    this.resumed = true;
    this.wake();
    return true;
  }

  /** Wakes a paused exchange (after resume, local reply or close). */
  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  /** The VM died: a paused exchange stops waiting and handles the failure. */
  abort(failure: VmFailure): void {
    this.failure = failure;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(failure);
  }

  /** Called before each phase callback: a resume only counts if it comes during or after it. */
  beginPhase(direction: Direction): void {
    this.direction = direction;
    this.resumed = false;
  }

  /** Waits after a pausing callback until resumed, finished, aborted or timed out. */
  async waitForResume(timeoutMs: number): Promise<'resumed' | 'timeout'> {
    if (this.failure) throw this.failure;
    if (this.resumed || this.finished) return 'resumed';
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<'resumed' | 'timeout'>((resolve, reject) => {
        this.waiter = { resolve: () => resolve('resumed'), reject };
        timer = setTimeout(() => {
          this.waiter = undefined;
          resolve('timeout');
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

export type FilterContext = RootContext | StreamContext;
