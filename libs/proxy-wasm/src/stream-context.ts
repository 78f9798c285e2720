// Per-context state: the plugin's root context and one HTTP stream context per request. The stream
// holds what the filter can read and change (header maps, bodies, trailers), what it decided (local
// reply, close), and the pause/resume handshake between the exchange runner and proxy_continue_*.

import { HeaderMap } from './header-map.js';
import type { VmFailure } from './errors.js';
import type { FilterLogEntry, HttpRequest, LocalReply } from './types.js';

const EMPTY = new Uint8Array(0);

/** Values set with proxy_set_property on a context, by dotted path; the map exists once one is set. */
abstract class ContextProperties {
  properties?: Map<string, Uint8Array>;

  setProperty(path: string, value: Uint8Array): void {
    (this.properties ??= new Map()).set(path, value);
  }
}

export class RootContext extends ContextProperties {
  readonly kind = 'root';
  constructor(readonly id: number) {
    super();
  }
}

export type Direction = 'request' | 'response';

export class StreamContext extends ContextProperties {
  readonly kind = 'stream';
  readonly requestHeaders: HeaderMap;
  requestBody: Uint8Array;
  readonly requestTrailers: HeaderMap;
  readonly responseHeaders = new HeaderMap();
  responseBody: Uint8Array = EMPTY;
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
    super();
    const entries: [string, string][] = [
      [':authority', request.authority],
      [':path', request.path],
      [':method', request.method],
      [':scheme', request.scheme],
    ];
    for (const pair of request.headers) entries.push(lowerCased(pair));
    this.requestHeaders = new HeaderMap(entries);
    this.requestBody = request.body ?? EMPTY;
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

/** The pair with its name lower-cased; the same pair when it already was (header maps only replace pairs). */
export function lowerCased(pair: [string, string]): [string, string] {
  const key = pair[0].toLowerCase();
  return key === pair[0] ? pair : [key, pair[1]];
}
