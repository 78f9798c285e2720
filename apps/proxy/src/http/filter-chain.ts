// Runs one request through the slots in order, the way Envoy's HTTP filter chain does: each filter wraps
// the rest of the chain, so responses pass back through in reverse order. Records per-(slot, version)
// health samples: requests, 5xx, local replies, Wasm failures and latency.
import type { HttpRequest, HttpResponse } from '@wasmfleet/proxy-wasm';
import type { ActiveFilter, SlotRuntime } from '../slots/slot-runtime.js';
import type { EnvoyStats } from '../stats/envoy-stats.js';

export type Upstream = (req: HttpRequest) => Promise<HttpResponse>;

/** The per-(slot, version) health series of one active filter, looked up once, not per request. */
interface SlotSeries {
  requests: { inc(): void };
  responses5xx: { inc(): void };
  localReplies: { inc(): void };
  requestTime: { observe(ms: number): void };
}
const seriesOf = new WeakMap<ActiveFilter, SlotSeries>();

function slotSeries(stats: EnvoyStats, slot: string, active: ActiveFilter): SlotSeries {
  let series = seriesOf.get(active);
  if (!series) {
    const tags = { slot, version: active.version };
    series = {
      requests: stats.counter('wasmfleet.slot.requests', tags),
      responses5xx: stats.counter('wasmfleet.slot.responses_5xx', tags),
      localReplies: stats.counter('wasmfleet.slot.local_replies', tags),
      requestTime: stats.histogram('wasmfleet.slot.request_time', tags),
    };
    seriesOf.set(active, series);
  }
  return series;
}

/** Envoy answers 500 with response flag NFCF when a filter has no config and no default. */
export class NoFilterConfigError extends Error {
  constructor(readonly slot: string) {
    super(`filter config not found for ${slot}`);
  }
}

export function runFilterChain(slots: readonly SlotRuntime[], stats: EnvoyStats, request: HttpRequest, upstream: Upstream): Promise<HttpResponse> {
  const step = async (i: number, req: HttpRequest): Promise<HttpResponse> => {
    const slot = slots[i]!;
    const active = slot.current;
    if (!active) throw new NoFilterConfigError(slot.name);
    const started = performance.now();
    // The last filter calls the upstream itself, without one more hop through the chain.
    const next = i + 1 === slots.length ? upstream : (r: HttpRequest) => step(i + 1, r);
    const result = await active.plugin.handle(req, next);
    const series = slotSeries(stats, slot.name, active);
    series.requests.inc();
    if (result.response.status >= 500) series.responses5xx.inc();
    if (result.localReply) series.localReplies.inc();
    if (result.failure) stats.inc('wasmfleet.slot.wasm_failures', { slot: slot.name, version: active.version, kind: result.failure.kind });
    // After a trap the VM stays down (as in Envoy): a fail-open bypass is a request the filter did not do.
    else if (active.plugin.state() === 'failed') stats.inc('wasmfleet.slot.wasm_failures', { slot: slot.name, version: active.version, kind: 'vm-down' });
    series.requestTime.observe(performance.now() - started);
    return result.response;
  };
  return slots.length === 0 ? upstream(request) : step(0, request);
}
