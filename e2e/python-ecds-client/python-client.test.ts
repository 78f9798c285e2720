// Interop: an ECDS client written against Debian's python3-grpcio, with stubs protoc generates from Envoy's
// protos at test time, talks to the real server (built apps/server/dist) over a real Redis.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTO_INCLUDE_DIRS } from '../../libs/envoy/src/proto-root.js';
import { startRedis, type TestRedis } from '../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../testing/server-process.js';
import { SHA_B, slotSpec } from '../../testing/slot-fixtures.js';
import { PYTHON, PythonScript, type ScriptEvent } from './python-script.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TEC_TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';
const WASM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
const FAILURE_POLICY = { FAIL_RELOAD: 1, FAIL_CLOSED: 2, FAIL_OPEN: 3 } as const;

let redis: TestRedis | undefined;
let server: ServerProcess;
let stubsDir: string;
const scripts: PythonScript[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer({ redisUrl: redis.url });
  stubsDir = mkdtempSync(path.join(os.tmpdir(), 'wf-py-stubs-'));
  execFileSync(PYTHON, [path.join(here, 'compile_stubs.py'), stubsDir, ...PROTO_INCLUDE_DIRS], { stdio: 'pipe' });
});

afterAll(async () => {
  await Promise.all(scripts.map((s) => s.stop()));
  await server?.stop();
  await redis?.stop();
  if (stubsDir) rmSync(stubsDir, { recursive: true, force: true });
});

function runScenario(scenario: string, slot: string, extra: string[] = [], token: string | undefined = server.token) {
  const args = ['--stubs', stubsDir, '--target', server.grpcTarget, '--slot', slot, '--scenario', scenario];
  if (token) args.push('--token', token);
  const script = new PythonScript(path.join(here, 'ecds_client.py'), [...args, ...extra]);
  scripts.push(script);
  return script;
}

async function api(method: string, p: string, body?: unknown, expected = 200) {
  const res = await server.api(method, p, body);
  expect(res.status, `${method} ${p}: ${JSON.stringify(res.body)}`).toBe(expected);
  return res.body;
}

/** The next event, which must be `event` (at `step`, when given). */
async function expectEvent(py: PythonScript, event: string, step?: string): Promise<ScriptEvent> {
  const ev = await py.next();
  expect({ event: ev.event, step: ev.step }, JSON.stringify(ev)).toEqual({ event, step: step ?? ev.step });
  return ev;
}

/** Waits for the script to block at `step`, runs the change, then lets it go on. */
async function atStep(py: PythonScript, step: string, change: () => Promise<unknown>) {
  await expectEvent(py, 'waiting', step);
  await change();
  py.continue();
}

function expectWasm(resource: any, slot: string, spec: ReturnType<typeof slotSpec>) {
  expect(resource.type_url).toBe(TEC_TYPE_URL);
  expect(resource.name).toBe(slot);
  expect(resource.wasm_type_url).toBe(WASM_TYPE_URL);
  expect(resource.root_id).toBe(spec.rootId);
  expect(resource.sha256).toBe((spec.module as { sha256: string }).sha256);
  expect(resource.uri).toBe((spec.module as { url: string }).url);
  expect(resource.cluster).toBe('wasmfleet_modules');
  expect(resource.configuration, 'configuration must be a StringValue').toEqual(expect.any(String));
  expect(JSON.parse(resource.configuration)).toEqual(spec.config);
  expect(resource.failure_policy).toBe(FAILURE_POLICY[spec.failurePolicy as keyof typeof FAILURE_POLICY]);
}

describe('Given a real server and Redis, and an ECDS client on Debian python3-grpcio with protoc-generated stubs', () => {
  it('When it subscribes over SotW, ACKs, NACKs an update and the slot changes again, then it decodes every version, is never resent the NACKed one, and gets names that appear later', async () => {
    const slot = 'py.sotw';
    const late = 'py.sotw-late';
    const v1 = slotSpec({ rootId: 'py_root', config: { header: 'x-py', value: 'one', nested: { n: [1, 2] } } });
    const v2 = slotSpec({ rootId: 'py_root', module: { url: 'http://127.0.0.1:9/m2.wasm', sha256: SHA_B }, config: { value: 'two' } });
    const v3 = slotSpec({ rootId: 'py_root_3', config: { value: 'three' }, failurePolicy: 'FAIL_CLOSED' });
    const lateSpec = slotSpec({ rootId: 'late_root', config: { late: true } });
    await api('POST', '/api/v1/slots', { name: slot, spec: v1 }, 201);
    const py = runScenario('sotw', slot, ['--late-slot', late, '--node-id', 'py-sotw-node']);

    const r1 = await expectEvent(py, 'response', 'initial');
    expect(r1.type_url).toBe(TEC_TYPE_URL);
    expect(r1.nonce).not.toBe('');
    expect(r1.version_info).not.toBe('');
    expect(r1.resources).toHaveLength(1);
    expectWasm(r1.resources[0], slot, v1);
    expect((await expectEvent(py, 'acked')).version_info).toBe(r1.version_info);
    await expectEvent(py, 'quiet', 'after-ack');

    await atStep(py, 'update-2', () => api('PUT', `/api/v1/slots/${slot}`, { spec: v2 }));
    const r2 = await expectEvent(py, 'response', 'update-2');
    expect(r2.resources).toHaveLength(1);
    expectWasm(r2.resources[0], slot, v2);
    expect(r2.version_info).not.toBe(r1.version_info);
    expect(r2.nonce).not.toBe(r1.nonce);
    expect((await expectEvent(py, 'nacked')).nonce).toBe(r2.nonce);
    await expectEvent(py, 'quiet', 'after-nack');
    await expectEvent(py, 'quiet', 'new-stream-after-nack');
    const nacks = await api('GET', `/api/v1/nacks?node=py-sotw-node&slot=${slot}`);
    expect(nacks.items).toHaveLength(1);
    expect(nacks.items[0]).toMatchObject({ cluster: 'python-interop', message: 'python client refuses this version' });

    await atStep(py, 'update-3', () => api('PUT', `/api/v1/slots/${slot}`, { spec: v3 }));
    const r3 = await expectEvent(py, 'response', 'update-3');
    expect(r3.resources).toHaveLength(1);
    expectWasm(r3.resources[0], slot, v3);
    expect(new Set([r1.version_info, r2.version_info, r3.version_info]).size).toBe(3);
    await expectEvent(py, 'acked');

    await atStep(py, 'create-late', () => api('POST', '/api/v1/slots', { name: late, spec: lateSpec }, 201));
    const r4 = await expectEvent(py, 'response', 'late-created');
    expect(r4.resources.map((r: any) => r.name)).toEqual([late]);
    expectWasm(r4.resources[0], late, lateSpec);
    await expectEvent(py, 'acked');
    await expectEvent(py, 'done');
    expect(await py.exited()).toBe(0);
  });

  it('When it uses Delta, then it gets versioned resources, a resend on re-subscribe, removed_resources on delete, and no resend after reconnecting with initial_resource_versions', async () => {
    const slot = 'py.delta';
    const v1 = slotSpec({ rootId: 'delta_root', config: { delta: 1 } });
    const v2 = slotSpec({ rootId: 'delta_root', config: { delta: 2 }, failurePolicy: 'FAIL_RELOAD' });
    const v3 = slotSpec({ rootId: 'delta_root', module: { url: 'http://127.0.0.1:9/d3.wasm', sha256: SHA_B }, config: { delta: 3 } });
    const created = await api('POST', '/api/v1/slots', { name: slot, spec: v1 }, 201);
    const py = runScenario('delta', slot, ['--node-id', 'py-delta-node']);

    const r1 = await expectEvent(py, 'response', 'initial');
    expect(r1.type_url).toBe(TEC_TYPE_URL);
    expect(r1.nonce).not.toBe('');
    expect(r1.removed_resources).toEqual([]);
    expect(r1.resources).toHaveLength(1);
    expect(r1.resources[0]).toMatchObject({ delta_name: slot, delta_version: created.version });
    expectWasm(r1.resources[0], slot, v1);
    await expectEvent(py, 'acked');
    await expectEvent(py, 'quiet', 'after-unsubscribe');

    const r2 = await expectEvent(py, 'response', 'resubscribed');
    expect(r2.resources).toHaveLength(1);
    expect(r2.resources[0]).toMatchObject({ delta_name: slot, delta_version: created.version });
    expect(r2.nonce).not.toBe(r1.nonce);
    await expectEvent(py, 'acked');

    await atStep(py, 'delete', () => api('DELETE', `/api/v1/slots/${slot}`, undefined, 204));
    const r3 = await expectEvent(py, 'response', 'deleted');
    expect(r3.removed_resources).toEqual([slot]);
    expect(r3.resources).toEqual([]);

    let recreated: any;
    await atStep(py, 'recreate', async () => (recreated = await api('POST', '/api/v1/slots', { name: slot, spec: v2 }, 201)));
    const r4 = await expectEvent(py, 'response', 'recreated');
    expect(r4.removed_resources).toEqual([]);
    expect(r4.resources).toHaveLength(1);
    expect(r4.resources[0].delta_version).toBe(recreated.version);
    expect(r4.resources[0].delta_version).not.toBe(created.version);
    expectWasm(r4.resources[0], slot, v2);
    expect((await expectEvent(py, 'acked')).held).toEqual({ [slot]: recreated.version });

    await expectEvent(py, 'quiet', 'reconnect-with-current-versions');
    const r5 = await expectEvent(py, 'response', 'reconnect-with-stale-version');
    expect(r5.resources.map((r: any) => [r.delta_name, r.delta_version])).toEqual([[slot, recreated.version]]);

    let updated: any;
    await atStep(py, 'update-after-reconnect', async () => (updated = await api('PUT', `/api/v1/slots/${slot}`, { spec: v3 })));
    const r6 = await expectEvent(py, 'response', 'update-after-reconnect');
    expect(r6.resources).toHaveLength(1);
    expect(r6.resources[0].delta_version).toBe(updated.version);
    expect(updated.version).not.toBe(recreated.version);
    expectWasm(r6.resources[0], slot, v3);
    await expectEvent(py, 'done');
    expect(await py.exited()).toBe(0);
  });

  it('When it calls FetchExtensionConfigs for an existing and a missing slot, then it gets exactly the existing one, decoded', async () => {
    const slot = 'py.fetch';
    const spec = slotSpec({ rootId: 'fetch_root', config: { fetched: ['yes'] } });
    await api('POST', '/api/v1/slots', { name: slot, spec }, 201);
    const py = runScenario('fetch', slot, ['--late-slot', 'py.fetch-missing']);
    const r = await expectEvent(py, 'response', 'fetch');
    expect(r.type_url).toBe(TEC_TYPE_URL);
    expect(r.version_info).not.toBe('');
    expect(r.nonce).not.toBe('');
    expect(r.resources).toHaveLength(1);
    expectWasm(r.resources[0], slot, spec);
    await expectEvent(py, 'done');
    expect(await py.exited()).toBe(0);
  });

  it('When it calls without a token or with a wrong one, then every call fails with UNAUTHENTICATED', async () => {
    await api('POST', '/api/v1/slots', { name: 'py.auth', spec: slotSpec() }, 201);
    const py = runScenario('unauthenticated', 'py.auth', [], undefined);
    for (const step of ['sotw-no-token', 'fetch-no-token', 'sotw-wrong-token', 'fetch-wrong-token']) {
      const ev = await expectEvent(py, 'rpc_error', step);
      expect(ev.code, JSON.stringify(ev)).toBe('UNAUTHENTICATED');
    }
    await expectEvent(py, 'done');
    expect(await py.exited()).toBe(0);
  });
});
