// One HTTP exchange through a healthy VM: request phases, the upstream call (unless the filter replied
// locally or closed the stream), response phases, then the end of the stream. A phase that answers
// anything but Continue pauses the exchange until the filter resumes it (proxy_continue_*), replies
// locally or closes the stream. As in Envoy, a local reply from the request phases still passes the
// filter's response phases, and a local reply sent during the response phases replaces the response.
// A VmFailure escapes to the caller, with `progress` telling how far the exchange got.

import type { FilterVm } from './filter-vm.js';
import { lowerCased, type StreamContext } from './stream-context.js';
import type { ExchangeResult, HttpRequest, HttpResponse, LocalReply } from './types.js';

export interface ExchangeProgress {
  upstreamRequest?: HttpRequest;
  upstreamResponse?: HttpResponse;
  /** The response decided before the end-of-stream callbacks. */
  finalResponse?: HttpResponse;
}

export type Upstream = (req: HttpRequest) => Promise<HttpResponse>;

const EMPTY = new Uint8Array(0);

/** The non-pseudo headers, with content-length kept true to a body the filter changed. */
function regularHeaders(entries: [string, string][], body: Uint8Array, original: Uint8Array | undefined): [string, string][] {
  const fixLength = body.length !== (original?.length ?? 0);
  const out: [string, string][] = [];
  for (const entry of entries) {
    const k = entry[0];
    if (k.charCodeAt(0) === 0x3a /* ':' */) continue;
    out.push(fixLength && k === 'content-length' ? [k, String(body.length)] : entry);
  }
  return out;
}

/** The first value of a pseudo-header (they come first, so the scan is short). */
function pseudoHeader(entries: [string, string][], name: string): string | undefined {
  for (const entry of entries) if (entry[0] === name) return entry[1];
  return undefined;
}

export function upstreamRequestOf(s: StreamContext): HttpRequest {
  const entries = s.requestHeaders.entries;
  const req = s.request;
  const out: HttpRequest = {
    method: pseudoHeader(entries, ':method') ?? req.method,
    path: pseudoHeader(entries, ':path') ?? req.path,
    authority: pseudoHeader(entries, ':authority') ?? req.authority,
    scheme: pseudoHeader(entries, ':scheme') ?? req.scheme,
    headers: regularHeaders(entries, s.requestBody, req.body),
  };
  if (req.body !== undefined || s.requestBody.length > 0) out.body = s.requestBody;
  if (req.trailers !== undefined || s.requestTrailers.entries.length > 0) out.trailers = s.requestTrailers.entries;
  if (req.source) out.source = req.source;
  if (req.destination) out.destination = req.destination;
  return out;
}

export function localReplyResponse(reply: LocalReply): HttpResponse {
  const headers = regularHeaders(reply.headers, EMPTY, undefined);
  if (reply.body.length > 0 && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', 'text/plain']);
  return { status: reply.status, headers, body: reply.body };
}

function responseOf(s: StreamContext, original: HttpResponse): HttpResponse {
  const entries = s.responseHeaders.entries;
  const status = Number(pseudoHeader(entries, ':status'));
  const out: HttpResponse = {
    status: Number.isInteger(status) && status >= 100 && status <= 999 ? status : original.status,
    headers: regularHeaders(entries, s.responseBody, original.body),
  };
  if (original.body !== undefined || s.responseBody.length > 0) out.body = s.responseBody;
  if (original.trailers !== undefined || s.responseTrailers.entries.length > 0) out.trailers = s.responseTrailers.entries;
  return out;
}

/** The header map the filter sees for a response: `:status` first, then the response's headers. */
function responseHeaderEntries(response: HttpResponse): [string, string][] {
  const out: [string, string][] = [[':status', String(response.status)]];
  for (const pair of response.headers) {
    const entry = lowerCased(pair);
    if (entry[0] !== ':status') out.push(entry);
  }
  return out;
}

/** A phase callback did not continue, and the stream is not over: the exchange waits. */
const paused = (s: StreamContext, continued: boolean) => !continued && !s.finished;

/** Waits until the filter resumes or ends a paused stream; 504 after `timeoutMs`. */
async function resume(s: StreamContext, timeoutMs: number): Promise<void> {
  if ((await s.waitForResume(timeoutMs)) === 'timeout' && !s.finished) {
    s.localReply = { status: 504, details: 'wasm_paused_stream_timeout', body: EMPTY, headers: [] };
  }
}

export async function runExchange(
  vm: FilterVm,
  s: StreamContext,
  upstream: Upstream,
  pausedStreamTimeoutMs: number,
  progress: ExchangeProgress,
): Promise<ExchangeResult> {
  // A phase runs unless the stream is already over; the exchange only awaits when the filter paused.
  const waitMs = pausedStreamTimeoutMs;
  const req = s.request;
  const reqBody = (req.body?.length ?? 0) > 0;
  const reqTrailers = (req.trailers?.length ?? 0) > 0;
  if (paused(s, vm.onRequestHeaders(s, !reqBody && !reqTrailers))) await resume(s, waitMs);
  if (reqBody && !s.finished && paused(s, vm.onRequestBody(s, !reqTrailers))) await resume(s, waitMs);
  if (reqTrailers && !s.finished && paused(s, vm.onRequestTrailers(s))) await resume(s, waitMs);

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
    s.responseHeaders.entries = responseHeaderEntries(response);
    s.responseBody = response.body ?? EMPTY;
    if (response.trailers?.length) s.responseTrailers.setAll(response.trailers);
    s.direction = 'response';
    const resBody = s.responseBody.length > 0;
    const resTrailers = s.responseTrailers.entries.length > 0;
    s.localReply = undefined; // from here on, `finished` means a reply sent during the response phases
    if (paused(s, vm.onResponseHeaders(s, !resBody && !resTrailers))) await resume(s, waitMs);
    if (resBody && !s.finished && paused(s, vm.onResponseBody(s, !resTrailers))) await resume(s, waitMs);
    if (resTrailers && !s.finished && paused(s, vm.onResponseTrailers(s))) await resume(s, waitMs);
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
