// Work a filter starts that outlives the callback that started it: the tick timer and HTTP callouts.
// Results come back to the root context through `deliver`, which runs the callback under the budget
// (or does nothing once the VM is failed or closed). `stop` cancels everything, for VM failure and
// shutdown.

import { FAILED_CALLOUT, performCallout, type CalloutRequest, type CalloutResponse } from './http-callout.js';

export type Deliver = (callback: string, args: number[], callout?: CalloutResponse) => void;

export class VmBackgroundWork {
  private tickTimer?: NodeJS.Timeout;
  private callouts = new Map<number, AbortController>();
  private nextToken = 1;
  private stopped = false;

  constructor(
    private readonly rootId: number,
    private readonly deliver: Deliver,
  ) {}

  /** proxy_set_tick_period_milliseconds: 0 stops the timer. */
  setTickPeriod(ms: number): void {
    clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    if (ms <= 0 || this.stopped) return;
    const tick = () => {
      this.tickTimer = setTimeout(tick, ms).unref();
      this.deliver('proxy_on_tick', [this.rootId]);
    };
    this.tickTimer = setTimeout(tick, ms).unref();
  }

  /** Starts a callout and answers its token; the response reaches the root context, as with Envoy. */
  startCallout(req: CalloutRequest): number {
    const token = this.nextToken++;
    const abort = new AbortController();
    this.callouts.set(token, abort);
    void performCallout(req, abort.signal).then((res) => {
      if (!this.callouts.delete(token)) return; // cancelled by stop()
      const r = res ?? FAILED_CALLOUT;
      this.deliver('proxy_on_http_call_response', [this.rootId, token, r.headers.length, r.body.length, r.trailers.length], r);
    });
    return token;
  }

  /** Cancels the timer and every pending callout; `final` also refuses new work. */
  stop(final: boolean): void {
    if (final) this.stopped = true;
    clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    for (const abort of this.callouts.values()) abort.abort();
    this.callouts.clear();
  }
}
