// One HTTP exchange through a healthy VM: request phases, the upstream call (unless the filter replied
// locally or closed the stream), response phases, then the end of the stream. A phase that answers
// anything but Continue pauses the exchange until the filter resumes it (proxy_continue_*), replies
// locally or closes the stream. As in Envoy, a local reply from the request phases still passes the
// filter's response phases, and a local reply sent during the response phases replaces the response.
// A VmFailure escapes to the caller, with `progress` telling how far the exchange got.

import type { FilterVm } from './filter-vm.js';
import type { StreamContext } from './stream-context.js';
import type { ExchangeResult, HttpRequest, HttpResponse, LocalReply } from './types.js';

export interface ExchangeProgress {
  upstreamRequest?: HttpRequest;
  upstreamResponse?: HttpResponse;
  /** The response decided before the end-of-stream callbacks. */
  finalResponse?: HttpResponse;
}

export type Upstream = (req: HttpRequest) => Promise<HttpResponse>;

const EMPTY = new Uint8Array(0);

const pseudo = (entries: [string, string][]) => entries.filter(([k]) => k.startsWith(':'));
const regular = (entries: [string, string][]) => entries.filter(([k]) => !k.startsWith(':'));

/** Keeps an existing content-length true to a body the filter changed. */
function fixContentLength(headers: [string, string][], body: Uint8Array, original: Uint8Array | undefined): [string, string][] {
  if (body.length === (original?.length ?? 0)) return headers;
  return headers.map(([k, v]) => [k, k === 'content-length' ? String(body.length) : v]);
}

export function upstreamRequestOf(s: StreamContext): HttpRequest {
  const h = s.requestHeaders;
  const req = s.request;
  const out: HttpRequest = {
    method: h.get(':method') ?? req.method,
    path: h.get(':path') ?? req.path,
    authority: h.get(':authority') ?? req.authority,
    scheme: h.get(':scheme') ?? req.scheme,
    headers: fixContentLength(regular(h.entries), s.requestBody, req.body),
  };
  if (req.body !== undefined || s.requestBody.length > 0) out.body = s.requestBody;
  if (req.trailers !== undefined || s.requestTrailers.entries.length > 0) out.trailers = s.requestTrailers.entries;
  if (req.source) out.source = req.source;
  if (req.destination) out.destination = req.destination;
  return out;
}

export function localReplyResponse(reply: LocalReply): HttpResponse {
  const headers = regular(reply.headers);
  if (reply.body.length > 0 && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', 'text/plain']);
  return { status: reply.status, headers, body: reply.body };
}

function responseOf(s: StreamContext, original: HttpResponse): HttpResponse {
  const status = Number(s.responseHeaders.get(':status'));
  const out: HttpResponse = {
    status: Number.isInteger(status) && status >= 100 && status <= 999 ? status : original.status,
    headers: fixContentLength(regular(s.responseHeaders.entries), s.responseBody, original.body),
  };
  if (original.body !== undefined || s.responseBody.length > 0) out.body = s.responseBody;
  if (original.trailers !== undefined || s.responseTrailers.entries.length > 0) out.trailers = s.responseTrailers.entries;
  return out;
}

export async function runExchange(
  vm: FilterVm,
  s: StreamContext,
  upstream: Upstream,
  pausedStreamTimeoutMs: number,
  progress: ExchangeProgress,
): Promise<ExchangeResult> {
  const phase = async (run: () => boolean) => {
    if (s.finished) return;
    if (run() || s.finished) return;
    if ((await s.waitForResume(pausedStreamTimeoutMs)) === 'timeout' && !s.finished) {
      s.localReply = { status: 504, details: 'wasm_paused_stream_timeout', body: EMPTY, headers: [] };
    }
  };

  const req = s.request;
  const reqBody = (req.body?.length ?? 0) > 0;
  const reqTrailers = (req.trailers?.length ?? 0) > 0;
  await phase(() => vm.onRequestHeaders(s, !reqBody && !reqTrailers));
  if (reqBody) await phase(() => vm.onRequestBody(s, !reqTrailers));
  if (reqTrailers) await phase(() => vm.onRequestTrailers(s));

  let response: HttpResponse;
  const requestReply = s.localReply;
  if (s.closed) {
    response = { status: 503, headers: [], body: EMPTY };
  } else if (requestReply) {
    response = localReplyResponse(requestReply);
    s.responseDetails = requestReply.details;
  } else {
    progress.upstreamRequest = upstreamRequestOf(s);
    try {
      response = await upstream(progress.upstreamRequest);
    } catch (err) {
      vm.finishStream(s);
      throw err;
    }
    progress.upstreamResponse = response;
  }

  if (!s.closed) {
    s.responseHeaders.setAll([[':status', String(response.status)], ...pseudo(response.headers).filter(([k]) => k !== ':status'), ...regular(response.headers)]);
    s.responseBody = response.body ?? EMPTY;
    s.responseTrailers.setAll(response.trailers ?? []);
    s.direction = 'response';
    const resBody = s.responseBody.length > 0;
    const resTrailers = s.responseTrailers.entries.length > 0;
    s.localReply = undefined; // from here on, `finished` means a reply sent during the response phases
    await phase(() => vm.onResponseHeaders(s, !resBody && !resTrailers));
    if (resBody) await phase(() => vm.onResponseBody(s, !resTrailers));
    if (resTrailers) await phase(() => vm.onResponseTrailers(s));
    const responseReply = s.localReply;
    s.localReply = responseReply ?? requestReply;
    response = responseReply ? localReplyResponse(responseReply) : responseOf(s, response);
  }
  progress.finalResponse = response;
  vm.finishStream(s);

  const result: ExchangeResult = { response, logs: s.logs };
  if (progress.upstreamRequest) result.upstreamRequest = progress.upstreamRequest;
  if (s.localReply) result.localReply = s.localReply;
  if (s.closed) result.reset = true;
  return result;
}
