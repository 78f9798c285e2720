// The data path: an HTTP listener that runs each request through the filter chain and forwards it to the
// upstream. Requests wait while the slots warm (up to a timeout), as an Envoy listener does.
import http from 'node:http';
import type { HttpRequest, HttpResponse } from '@wasmfleet/proxy-wasm';
import type { SlotRuntime } from '../slots/slot-runtime.js';
import type { EnvoyStats } from '../stats/envoy-stats.js';
import { NoFilterConfigError, runFilterChain } from './filter-chain.js';
import { downstreamRawHeaders, requestHeaders, responseHeaders, upstreamRawHeaders } from './http-headers.js';

export interface ReverseProxyOptions {
  upstream: URL;
  /** Picks the proxy (and so its slots and stats) for a request; one unless replicas share a listener. */
  route: () => { slots: readonly SlotRuntime[]; stats: EnvoyStats; warmed: Promise<void> };
  statPrefix?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function readBody(req: http.IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(joined(chunks)));
    req.on('error', reject);
  });
}

/** The chunks as one buffer (the chunk itself when there is one), or undefined when there are none. */
function joined(chunks: Buffer[]): Buffer | undefined {
  if (chunks.length === 0) return undefined;
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function forward(upstream: URL, req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const out = http.request(
      {
        agent,
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.path,
        headers: upstreamRawHeaders(req.headers, req.authority) as unknown as http.OutgoingHttpHeaders,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = joined(chunks);
          resolve({ status: res.statusCode ?? 502, headers: responseHeaders(res.rawHeaders), ...(body && { body }) });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(req.body);
  });
}

/** Envoy's downstream request stats of one proxy, looked up once per proxy rather than per request. */
function downstreamStats(stats: EnvoyStats, prefix: string) {
  return {
    total: stats.counter(`${prefix}.downstream_rq_total`),
    byClass: [1, 2, 3, 4, 5].map((c) => stats.counter(`${prefix}.downstream_rq_xx`, { envoy_response_code_class: String(c) })),
    nfcf: stats.counter(`${prefix}.downstream_rq_nfcf`),
    time: stats.histogram(`${prefix}.downstream_rq_time`),
  };
}

export function createReverseProxy(o: ReverseProxyOptions): http.Server {
  const prefix = `http.${o.statPrefix ?? 'ingress_http'}`;
  const handles = new WeakMap<EnvoyStats, ReturnType<typeof downstreamStats>>();
  const statsOf = (stats: EnvoyStats) => {
    let h = handles.get(stats);
    if (!h) handles.set(stats, (h = downstreamStats(stats, prefix)));
    return h;
  };
  const forwardUpstream = (r: HttpRequest) => forward(o.upstream, r);
  // Once a proxy's slots are warm, requests no longer wait a turn on its (resolved) promise.
  const warm = new WeakSet<Promise<void>>();
  return http.createServer(async (req, res) => {
    const { slots, stats, warmed } = o.route();
    const started = performance.now();
    let response: HttpResponse;
    try {
      if (!warm.has(warmed)) {
        await warmed;
        warm.add(warmed);
      }
      const headers = requestHeaders(req.rawHeaders);
      const body = headers.hasBody ? await readBody(req) : undefined;
      const request: HttpRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        authority: headers.host ?? o.upstream.host,
        scheme: 'http',
        headers: headers.pairs,
        ...(body && { body }),
        source: { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 },
      };
      response = await runFilterChain(slots, stats, request, forwardUpstream);
    } catch (err) {
      const nfcf = err instanceof NoFilterConfigError;
      response = {
        status: nfcf ? 500 : 503,
        headers: [['content-type', 'text/plain']],
        body: Buffer.from(nfcf ? `${err.message}\n` : 'upstream connect error or disconnect/reset before headers\n'),
      };
      if (nfcf) statsOf(stats).nfcf.inc();
    }
    const h = statsOf(stats);
    h.total.inc();
    h.byClass[Math.min(4, Math.max(0, Math.floor(response.status / 100) - 1))]!.inc();
    h.time.observe(performance.now() - started);
    const length = response.body?.length ?? 0;
    res.writeHead(response.status, downstreamRawHeaders(response.headers, length) as unknown as http.OutgoingHttpHeaders);
    res.end(response.body);
  });
}
