// `wasmfleet filter test` on the example filters, through the real CLI: what the filter did is reported (headers
// added on either side, local replies, failures), and the exit code says whether the filter behaved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLES_DIST, ensureCliBuilt, ensureExampleFilters, runCli } from '../../test-support/cli-process.js';

// Each test runs the CLI as child processes; on a loaded machine one start alone can take a second.
vi.setConfig({ testTimeout: 120_000 });

const wasm = (name: string) => path.join(EXAMPLES_DIST, `${name}.wasm`);
let work: string;

beforeAll(async () => {
  await Promise.all([ensureCliBuilt(), ensureExampleFilters()]);
  work = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-filter-test-'));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('add-header', () => {
  it('shows the response header it adds (text)', async () => {
    const r = await runCli(['filter', 'test', wasm('add-header'), '--root-id', 'add_header', '--config', '{"header":"x-powered-by","value":"wasmfleet"}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+ x-powered-by: wasmfleet');
    expect(r.stdout).toContain('[info] add_header: adding response header x-powered-by: wasmfleet');
  });

  it('reports the change in JSON, leaving the request untouched', async () => {
    const r = await runCli(['filter', 'test', wasm('add-header'), '--config', '{"header":"x-a","value":"1"}', '-H', 'x-client: yes', '--response-header', 'server: stub', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    // the root id came from examples/filters/dist/add-header.json beside the module
    expect(report.plugin.rootId).toBe('add_header');
    const e = report.exchanges[0];
    expect(e.upstreamCalled).toBe(true);
    expect(e.requestChanges).toMatchObject({ added: [], removed: [], changed: [], pseudo: [] });
    expect(e.responseChanges.added).toEqual([{ name: 'x-a', value: '1' }]);
    expect(e.response.headers).toEqual(expect.arrayContaining([['server', 'stub'], ['x-a', '1']]));
  });

  it('reads --config from a file and the request from a YAML file, and prints YAML', async () => {
    const config = path.join(work, 'config.json');
    writeFileSync(config, '{"header":"x-from-file","value":"v"}');
    const request = path.join(work, 'request.yaml');
    writeFileSync(request, 'request:\n  method: POST\n  path: /submit\n  headers:\n    - "content-type: text/plain"\n  body: hi\nresponse:\n  status: 201\n');
    const r = await runCli(['filter', 'test', wasm('add-header'), '--config', `@${config}`, '--request', request, '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseYaml(r.stdout);
    expect(report.exchanges[0]).toMatchObject({ request: { method: 'POST', path: '/submit' }, status: 201 });
    expect(report.exchanges[0].responseChanges.added).toEqual([{ name: 'x-from-file', value: 'v' }]);
  });

  it('exits 5 when an expectation of the request file is missed, and says which', async () => {
    const request = path.join(work, 'expect.json');
    writeFileSync(request, JSON.stringify({ expect: { status: 200, responseHeaders: { 'x-powered-by': 'someone-else', server: null } } }));
    const r = await runCli(['filter', 'test', wasm('add-header'), '--config', '{"header":"x-powered-by","value":"wasmfleet"}', '--request', request]);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('ok   expect status = 200');
    expect(r.stdout).toContain('MISS expect response header x-powered-by = someone-else (got wasmfleet)');
    expect(r.stdout).toContain('ok   expect response header server = (absent)');
    const ignored = await runCli(['filter', 'test', wasm('add-header'), '--request', request, '--no-expect']);
    expect(ignored.code).toBe(0);
  });

  it('exits 5 when the filter refuses its configuration, with the reason it logged', async () => {
    const r = await runCli(['filter', 'test', wasm('add-header'), '--config', '{"header":"bad header"}', '-o', 'json']);
    expect(r.code).toBe(5);
    expect(r.json()).toMatchObject({ started: false, ok: false, startError: { kind: 'configure' } });
    expect(r.json().startError.message).toContain('"header" must be a non-empty HTTP header name');
  });
});

describe('rate-limit', () => {
  it('--repeat 3: the third request gets a local 429 and never reaches the upstream', async () => {
    const r = await runCli(['filter', 'test', wasm('rate-limit'), '--root-id', 'rate_limit', '--config', '{"requestsPerSecond":1,"burst":2}', '--repeat', '3', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const ex = r.json().exchanges;
    expect(ex.map((e: any) => e.status)).toEqual([200, 200, 429]);
    expect(ex.map((e: any) => e.upstreamCalled)).toEqual([true, true, false]);
    expect(ex[2].localReply).toMatchObject({ status: 429, details: 'rate_limited', body: { text: 'Too many requests\n' } });
    expect(ex[2].localReply.headers).toContainEqual(['powered-by', 'proxy-wasm']);
  });

  it('prints each result in text', async () => {
    const r = await runCli(['filter', 'test', wasm('rate-limit'), '--config', '{"requestsPerSecond":1,"burst":2}', '-n', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/#1 GET example\.com\/ → 200, from the upstream/);
    expect(r.stdout).toMatch(/#2 GET example\.com\/ → 200, from the upstream/);
    expect(r.stdout).toMatch(/#3 GET example\.com\/ → 429, local reply 429 \(rate_limited\)/);
  });
});

describe('faulty', () => {
  it('a trap is reported as a failure and exits 5; FAIL_CLOSED answers 503', async () => {
    const r = await runCli(['filter', 'test', wasm('faulty'), '--root-id', 'faulty', '--config', '{"failureRate":1,"trap":true}', '-o', 'json']);
    expect(r.code).toBe(5);
    const report = r.json();
    expect(report.ok).toBe(false);
    expect(report.vmFailures).toBe(1);
    expect(report.exchanges[0]).toMatchObject({ status: 503, upstreamCalled: false, failure: { kind: 'trap', policy: 'FAIL_CLOSED' }, localReply: { details: 'wasm_fail_stream' } });
    expect(report.exchanges[0].failure.message).toContain('proxy_on_request_headers');
    expect(report.exchanges[0].logs).toContainEqual({ level: 'critical', message: 'faulty: trapping on request 1' });
  });

  it('under FAIL_OPEN the request still reaches the upstream, and the failure is still reported', async () => {
    const r = await runCli(['filter', 'test', wasm('faulty'), '--config', '{"failureRate":1,"trap":true}', '--failure-policy', 'FAIL_OPEN']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('→ 200, from the upstream');
    expect(r.stdout).toContain('FAILURE trap: proxy_on_request_headers trapped');
    expect(r.stdout).toContain('(failure policy FAIL_OPEN)');
  });

  it('an injected local reply (no trap) is not a failure', async () => {
    const r = await runCli(['filter', 'test', wasm('faulty'), '--config', '{"failureRate":1,"status":502}', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.json().exchanges[0]).toMatchObject({ status: 502, localReply: { details: 'faulty_injected' } });
    expect(r.json().exchanges[0].failure).toBeUndefined();
  });
});

describe('c-add-header', () => {
  it('shows the request header it adds on the way upstream', async () => {
    const r = await runCli(['filter', 'test', wasm('c-add-header'), '--root-id', 'c_add_header', '--config', '{"value":"from-c"}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/request headers:\n {4}\+ x-c-filter: from-c/);
  });
});

describe('usage', () => {
  it('a module that does not exist exits 3', async () => {
    const r = await runCli(['filter', 'test', path.join(work, 'nope.wasm'), '--root-id', 'x']);
    expect(r.code).toBe(3);
  });

  it('a module whose root id cannot be found needs --root-id (2)', async () => {
    const copy = path.join(work, 'anonymous.wasm');
    writeFileSync(copy, Buffer.from(await import('node:fs').then((fs) => fs.readFileSync(wasm('add-header')))));
    const r = await runCli(['filter', 'test', copy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--root-id');
  });

  it('a file that is not Wasm exits 5', async () => {
    const bogus = path.join(work, 'bogus.wasm');
    writeFileSync(bogus, 'not wasm at all');
    const r = await runCli(['filter', 'test', bogus, '--root-id', 'x']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('not a Wasm module');
  });

  it('a bad --header is a usage error', async () => {
    const r = await runCli(['filter', 'test', wasm('add-header'), '--header', 'no-colon']);
    expect(r.code).toBe(2);
  });
});
