// proxy_http_call performed for real with Node's fetch: the filter names an upstream cluster, the
// plugin's resolver turns it into a base URL, and the response (or a failure) is handed back through
// proxy_on_http_call_response. Like Envoy, a failed call (connect error, timeout) is reported as a
// response with no headers, no body and no trailers; redirects are not followed.

import type { HeaderPairs } from './pairs-codec.js';

export interface CalloutRequest {
  baseUrl: string;
  headers: HeaderPairs;
  body: Uint8Array;
  timeoutMs: number;
}

export interface CalloutResponse {
  /** Includes `:status` first. */
  headers: HeaderPairs;
  body: Uint8Array;
  trailers: HeaderPairs;
  status: number;
}

/** A call must carry :method, :path and :authority (Envoy answers BAD_ARGUMENT otherwise). */
export function missingCalloutHeader(headers: HeaderPairs): string | undefined {
  return [':method', ':path', ':authority'].find((name) => !headers.some(([k]) => k === name));
}

// Connection-level headers fetch manages itself.
const SKIPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'host', 'te']);

/** Timeouts of 0 (none given) are capped so a forgotten call cannot pin a stream forever. */
export const MAX_CALLOUT_TIMEOUT_MS = 60_000;

export const FAILED_CALLOUT: CalloutResponse = { headers: [], body: new Uint8Array(0), trailers: [], status: 0 };

export async function performCallout(req: CalloutRequest, signal: AbortSignal): Promise<CalloutResponse> {
  const pseudo = (name: string) => req.headers.find(([k]) => k === name)?.[1] ?? '';
  const method = pseudo(':method').toUpperCase();
  const url = req.baseUrl.replace(/\/+$/, '') + (pseudo(':path').startsWith('/') ? '' : '/') + pseudo(':path');
  const headers = new Headers();
  for (const [k, v] of req.headers) if (!k.startsWith(':') && !SKIPPED.has(k.toLowerCase())) headers.append(k, v);
  const timeoutMs = req.timeoutMs > 0 ? Math.min(req.timeoutMs, MAX_CALLOUT_TIMEOUT_MS) : MAX_CALLOUT_TIMEOUT_MS;
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' || req.body.length === 0 ? undefined : req.body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const out: HeaderPairs = [[':status', String(res.status)]];
    res.headers.forEach((value, key) => {
      if (key !== 'set-cookie') out.push([key, value]);
    });
    for (const cookie of res.headers.getSetCookie()) out.push(['set-cookie', cookie]);
    return { headers: out, body, trailers: [], status: res.status };
  } catch {
    return FAILED_CALLOUT;
  }
}
