// PromQL building and the HTTP exchange with a stand-in Prometheus; the real one: *.integration.test.ts.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthSourceError } from './health-source.js';
import { PrometheusHealthSource } from './prometheus-health-source.js';
import { increaseQuery, promString, selector } from './promql.js';

describe('promql', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['back\\slash', '"back\\\\slash"'],
    ['new\nline\ttab\r', '"new\\nline\\ttab\\r"'],
    ['"} or vector(1) #', '"\\"} or vector(1) #"'],
    ['\u0001', '"\\u0001"'],
    ['é', '"é"'],
  ])('promString(%j) = %s', (value, literal) => {
    expect(promString(value)).toBe(literal);
  });

  it('builds selectors with escaped values and refuses bad names', () => {
    expect(selector('m', { slot: 's"1', version: 'v' })).toBe('m{slot="s\\"1",version="v"}');
    expect(() => selector('m{', {})).toThrow(/invalid metric name/);
    expect(() => selector('m', { 'sl ot': 'x' })).toThrow(/invalid label name/);
  });

  it('adds the first value of series born inside the window to increase()', () => {
    const q = increaseQuery('m', { slot: 's' }, 90_500, ['le']);
    const grown = 'sum by (le) (increase(m{slot="s"}[90500ms]))';
    const born = 'sum by (le) ((min_over_time(m{slot="s"}[90500ms]) unless m{slot="s"} offset 90500ms) and on (job, instance) (up offset 90500ms == 1))';
    expect(q).toBe(`(${grown} + ${born}) or ${grown} or ${born}`);
    expect(() => increaseQuery('m', {}, 0)).toThrow(/window/);
    expect(() => increaseQuery('m', {}, 1.5)).toThrow(/window/);
    expect(() => increaseQuery('m', {}, 1000, ['le)'])).toThrow(/invalid label name/);
  });
});

describe('PrometheusHealthSource over HTTP', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** A stand-in Prometheus answering each query with `answer(query)`. */
  async function fakePrometheus(answer: (query: string, req: http.IncomingMessage, time: string) => { status?: number; body: unknown }) {
    const seen: { path: string; query: string; time: string; headers: http.IncomingHttpHeaders }[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        const query = form.get('query') ?? '';
        const time = form.get('time') ?? '';
        seen.push({ path: req.url ?? '', query, time, headers: req.headers });
        const { status = 200, body } = answer(query, req, time);
        res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
  }

  const vector = (...samples: [Record<string, string>, string][]) => ({
    status: 'success',
    data: { resultType: 'vector', result: samples.map(([metric, v]) => ({ metric, value: [1, v] })) },
  });
  const since = new Date('2026-05-01T10:00:00.000Z');
  const until = new Date('2026-05-01T10:02:00.250Z');

  it('asks one query per counter and the buckets, at `until`, and rounds what increase() extrapolated', async () => {
    const prom = await fakePrometheus((q) => {
      if (q.includes('_bucket')) return { body: vector([{ le: '+Inf' }, '10.4'], [{ le: '1' }, '2.2'], [{ le: '5' }, '6.6'], [{ le: '10' }, '5.9']) };
      if (q.includes('slot_requests')) return { body: vector([{}, '10.4']) };
      if (q.includes('responses_5xx')) return { body: vector([{}, '0.6']) };
      if (q.includes('local_replies')) return { body: vector() };
      return { body: vector([{}, '2']) };
    });
    const source = new PrometheusHealthSource({ url: `${prom.url}/prom/`, matchers: { job: 'proxies' }, headers: { authorization: 'Bearer t' } });
    const sample = await source.sample({ slot: 'wasmfleet.ns.f', version: 'v"2', since, until });
    expect(sample).toEqual({
      requests: 10,
      responses5xx: 1,
      localReplies: 0,
      wasmFailures: 2,
      nacks: 0,
      // cumulative 2, 7, 6 (a dip from extrapolation), 10 → per bucket
      latency: { bounds: [1, 5, 10], counts: [2, 5, 0, 3] },
    });
    expect(prom.seen).toHaveLength(5);
    for (const s of prom.seen) {
      expect(s.path).toBe('/prom/api/v1/query');
      expect(s.time).toBe('1777629720.250');
      expect(s.headers['authorization']).toBe('Bearer t');
      expect(s.query).toContain('{job="proxies",slot="wasmfleet.ns.f",version="v\\"2"}[120250ms]');
    }
    expect(prom.seen.map((s) => /\((\w+)\{/.exec(s.query)?.[1])).toEqual([
      'envoy_wasmfleet_slot_requests',
      'envoy_wasmfleet_slot_responses_5xx',
      'envoy_wasmfleet_slot_local_replies',
      'envoy_wasmfleet_slot_wasm_failures',
      'envoy_wasmfleet_slot_request_time_bucket',
    ]);
  });

  it.each([
    { what: 'a PromQL error', status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' }, message: /HTTP 400, bad_data: parse error/ },
    { what: 'not JSON', status: 502, body: '<html>bad gateway</html>', message: /HTTP 502, not JSON: <html>/ },
    { what: 'a matrix', status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } }, message: /expected a vector result, got matrix/ },
    { what: 'a NaN', status: 200, body: vector([{}, 'NaN']), message: /returned NaN/ },
  ])('rejects $what with a HealthSourceError naming the query', async ({ status, body, message }) => {
    const prom = await fakePrometheus(() => ({ status, body }));
    const source = new PrometheusHealthSource({ url: prom.url });
    const error = await source.sample({ slot: 's', version: 'v', since, until }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthSourceError);
    expect((error as Error).message).toMatch(message);
    expect((error as HealthSourceError).query.slot).toBe('s');
  });

  it('times out a Prometheus that does not answer', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const source = new PrometheusHealthSource({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, timeoutMs: 200 });
    await expect(source.sample({ slot: 's', version: 'v', since, until })).rejects.toThrow(/no answer within 200 ms/);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new PrometheusHealthSource({ url: 'file:///prometheus' })).toThrow(/must be http\(s\)/);
    expect(() => new PrometheusHealthSource({ url: 'prometheus:9090/x y' })).toThrow();
  });
});
