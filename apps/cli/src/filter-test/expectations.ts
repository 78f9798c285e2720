// Checking one exchange against the expectations of its request file.
import type { ExchangeResult } from '@wasmfleet/proxy-wasm';
import type { Expectations } from './exchange-spec.js';

export interface ExpectationResult {
  what: string;
  expected: string;
  actual: string;
  ok: boolean;
}

const show = (values: string[]) => (values.length === 0 ? '(absent)' : values.join(', '));

function headerChecks(prefix: string, wanted: Record<string, string | null> | undefined, headers: [string, string][] | undefined): ExpectationResult[] {
  if (!wanted) return [];
  return Object.entries(wanted).map(([name, value]) => {
    const actual = (headers ?? []).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
    const ok = value === null ? actual.length === 0 : actual.includes(value);
    return { what: `${prefix} header ${name}`, expected: value === null ? '(absent)' : value, actual: show(actual), ok };
  });
}

export function checkExpectations(expect: Expectations | undefined, result: ExchangeResult): ExpectationResult[] {
  if (!expect) return [];
  const out: ExpectationResult[] = [];
  if (expect.status !== undefined) {
    out.push({ what: 'status', expected: String(expect.status), actual: String(result.response.status), ok: result.response.status === expect.status });
  }
  if (expect.localReply !== undefined) {
    const actual = result.localReply !== undefined;
    out.push({ what: 'local reply', expected: String(expect.localReply), actual: String(actual), ok: actual === expect.localReply });
  }
  out.push(...headerChecks('upstream request', expect.requestHeaders, result.upstreamRequest?.headers));
  out.push(...headerChecks('response', expect.responseHeaders, result.response.headers));
  return out;
}
