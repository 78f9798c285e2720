// `wasmfleet rollout …`, `approvals` and `audit` against a real management server (and Redis), through the built
// CLI as a child process: apply from YAML, the approval flow with four-eyes, `status --watch` following the
// server's events to the end, the exit codes scripts rely on and the hints people rely on. No proxies run: waves
// without analysis complete at once, so a rollout needs only its module (served over HTTP) to get through.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { exampleFilterSha, startModuleServer, type TestHttpServer } from '../../../../testing/proxy-process.js';
import { startRedis, type TestRedis } from '../../../../testing/redis-server.js';
import { startServer, type ServerProcess } from '../../../../testing/server-process.js';
import { mintToken, mintTokenInfo } from '../../../../testing/tokens.js';
import { CLI_MAIN, ensureCliBuilt, REPO, runCli, type CliResult } from '../../test-support/cli-process.js';

vi.setConfig({ testTimeout: 120_000 });

let redis: TestRedis;
let server: ServerProcess;
let modules: TestHttpServer;
let work: string;
let operator: string;
let approver: { id: string; token: string };
let viewer: string;
/** an operator who is also an approver: may approve others' rollouts, not their own */
let lead: string;

beforeAll(async () => {
  await ensureCliBuilt();
  // the server's tests expect `npm test` to have built it; build it here too (a no-op when up to date)
  execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-b', 'apps/server'], { cwd: REPO, stdio: 'pipe', timeout: 180_000 });
  redis = await startRedis();
  modules = await startModuleServer();
  server = await startServer({ redisUrl: redis.url });
  [operator, approver, viewer, lead] = await Promise.all([
    mintToken(server, ['operator']),
    mintTokenInfo(server, ['approver']),
    mintToken(server, ['viewer']),
    mintToken(server, ['operator', 'approver']),
  ]);
  work = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-rollout-'));
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await modules?.close();
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The CLI against the test server, as `token` (WASMFLEET_TOKEN), with nothing else from the environment. */
function wf(args: string[], token: string | undefined, opts: { input?: string } = {}): Promise<CliResult> {
  return runCli(args, { extraEnv: { WASMFLEET_SERVER: server.http, WASMFLEET_TOKEN: token ?? '' }, ...opts });
}

function rolloutYaml(name: string, steps: string): string {
  return `apiVersion: wasmfleet.io/v1alpha1
kind: WasmRollout
metadata:
  name: ${name}
  namespace: bookinfo
spec:
  filter:
    image: ${modules.url}/add-header.wasm
    sha256: ${exampleFilterSha('add-header')}
    rootId: add_header
    config: { header: x-version, value: ${name} }
  target:
    clusters: { names: [canary-east] }
    workloads: { namespace: bookinfo, matchLabels: { app: ratings } }
  strategy:
${steps}
`;
}

const APPROVAL_STEPS = `    steps:
      - proxies: 10%
      - approval: { roles: [approver], timeout: 1h }
      - proxies: 100%`;

function writeRollout(name: string, steps: string): string {
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, rolloutYaml(name, steps));
  return file;
}

/** Polls `rollout status -o json` (through the CLI) until the rollout is in `phase`. */
async function waitPhase(id: string, phase: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, any> | undefined;
  for (;;) {
    const r = await wf(['rollout', 'status', id, '-o', 'json'], operator);
    expect(r.code, r.stderr).toBe(0);
    last = r.json();
    if (last!.phase === phase) return last!;
    if (Date.now() > deadline) throw new Error(`${id} did not reach ${phase}; last: ${JSON.stringify(last)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Applies a rollout with an approval gate (as the operator) and waits for the gate. */
async function applyAwaitingApproval(name: string, as = operator): Promise<string> {
  const applied = await wf(['rollout', 'apply', '-f', writeRollout(name, APPROVAL_STEPS)], as);
  expect(applied.code, applied.stderr).toBe(0);
  const id = `bookinfo/${name}`;
  await waitPhase(id, 'AwaitingApproval');
  return id;
}

/** `rollout status --watch` as a live child: its lines as they come, and its end. */
function watch(id: string, token: string, extra: string[] = []) {
  const child = spawn(process.execPath, [CLI_MAIN, 'rollout', 'status', id, '--watch', ...extra], {
    cwd: REPO,
    env: { ...process.env, WASMFLEET_SERVER: server.http, WASMFLEET_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return {
    lines: () => stdout.split('\n').filter(Boolean),
    stderr: () => stderr,
    /** resolves once a line matching `re` was printed */
    async line(re: RegExp): Promise<string> {
      for (;;) {
        const hit = stdout.split('\n').find((l) => re.test(l));
        if (hit) return hit;
        if (child.exitCode !== null) throw new Error(`watch exited ${child.exitCode} before printing ${re}:\n${stdout}\n${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    async exit(): Promise<number | null> {
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

describe('rollout apply, get, list, status', () => {
  it('applies a rollout from a YAML file; status shows its phase until it succeeds', async () => {
    const file = writeRollout('cli-apply', '    steps:\n      - proxies: 50%\n      - proxies: 100%');
    const applied = await wf(['rollout', 'apply', '-f', file], operator);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^applied bookinfo\/cli-apply revision 1$/m);
    expect(applied.stdout).toMatch(/^bookinfo\/cli-apply r1 (Validating|Progressing|Succeeded): /m);
    expect(applied.stderr).toContain('wasmfleet rollout status bookinfo/cli-apply --watch');

    await waitPhase('bookinfo/cli-apply', 'Succeeded');
    const status = await wf(['rollout', 'status', 'bookinfo/cli-apply'], operator);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^bookinfo\/cli-apply r1 Succeeded: /);
    expect(status.stdout).toContain('  actions: rollback (wasmfleet rollout <action> bookinfo/cli-apply)');

    const get = await wf(['rollout', 'get', 'bookinfo/cli-apply'], operator);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^ {2}phase +Succeeded$/m);
    expect(get.stdout).toMatch(new RegExp(`^ {2}stable +r1 ${modules.url}/add-header\\.wasm sha256:${exampleFilterSha('add-header').slice(0, 12)}$`, 'm'));

    const list = await wf(['rollout', 'list'], operator);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ROLLOUT +REVISION +PHASE +STEP +CANARY +AGE +MESSAGE$/);
    expect(list.stdout).toMatch(/^bookinfo\/cli-apply +1 +Succeeded +2\/2 /m);

    const history = await wf(['rollout', 'history', 'bookinfo/cli-apply'], operator);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`^1 +Succeeded +${exampleFilterSha('add-header').slice(0, 12)} +${modules.url}/add-header\\.wasm$`, 'm'));
  });

  it('-o json and -o yaml print the server objects, which parse', async () => {
    const file = path.join(work, 'cli-json.json');
    writeFileSync(file, JSON.stringify(parseYaml(rolloutYaml('cli-json', '    steps:\n      - proxies: 100%'))));
    const applied = await wf(['rollout', 'apply', '-f', file, '-o', 'json'], operator);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.json()).toMatchObject({ id: 'bookinfo/cli-json', namespace: 'bookinfo', name: 'cli-json', revision: 1, slot: 'wasmfleet.bookinfo.cli-json' });
    expect(applied.stderr).toBe('');

    await waitPhase('bookinfo/cli-json', 'Succeeded');
    const get = await wf(['rollout', 'get', 'bookinfo/cli-json', '-o', 'json'], operator);
    expect(get.json()).toMatchObject({ phase: 'Succeeded', candidate: { revision: 1, sha256: exampleFilterSha('add-header') }, allowedActions: ['Rollback'] });
    const list = await wf(['rollout', 'list', '-o', 'json'], operator);
    expect(list.json().items.map((v: { id: string }) => v.id)).toContain('bookinfo/cli-json');
    const yaml = await wf(['rollout', 'get', 'bookinfo/cli-json', '-o', 'yaml'], operator);
    expect(parseYaml(yaml.stdout)).toMatchObject({ id: 'bookinfo/cli-json', phase: 'Succeeded' });
    const history = await wf(['rollout', 'history', 'bookinfo/cli-json', '-o', 'json'], operator);
    expect(history.json().items).toMatchObject([{ revision: 1, outcome: 'Succeeded' }]);
  });

  it('a rollout on stdin (-f -) works too', async () => {
    const r = await wf(['rollout', 'apply', '-f', '-', '-o', 'json'], operator, { input: rolloutYaml('cli-stdin', '    steps:\n      - proxies: 100%') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().id).toBe('bookinfo/cli-stdin');
  });
});

describe('approval flow', () => {
  it('the author may not approve (four-eyes, exit 6); an approver does, and the rollout succeeds', async () => {
    // applied by an operator who also holds the approver role: only four-eyes stands in the way
    const id = await applyAwaitingApproval('cli-approve', lead);

    const pending = await wf(['approvals'], approver.token);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/^bookinfo\/cli-approve +1 +2\/3 +approver +/m);
    const pendingJson = await wf(['approvals', '-o', 'json'], approver.token);
    expect(pendingJson.json().items.find((v: { id: string }) => v.id === id)).toMatchObject({ phase: 'AwaitingApproval', approval: { roles: ['approver'], stepIndex: 1 } });

    const self = await wf(['rollout', 'approve', id], lead);
    expect(self.code).toBe(6);
    expect(self.stderr).toMatch(/wasmfleet: error: Approve refused \(four-eyes\) in phase AwaitingApproval: .* may not approve it/);
    expect(self.stderr).toContain('hint: the author of a revision may not approve it: ask another approver');
    expect(self.stdout).toBe('');
    // a plain operator has no approver role at all: refused too, for that
    const operatorOnly = await wf(['rollout', 'approve', id], operator);
    expect(operatorOnly.code).toBe(6);
    expect(operatorOnly.stderr).toMatch(/role approver required .*; you have operator/);
    expect((await wf(['rollout', 'status', id, '-o', 'json'], operator)).json().phase).toBe('AwaitingApproval');

    const promote = await wf(['rollout', 'promote', id], lead);
    expect(promote.code).toBe(6);
    expect(promote.stderr).toContain('promote --full');

    const approved = await wf(['rollout', 'approve', id, '--comment', 'canary looks good'], approver.token);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^approved bookinfo\/cli-approve\nbookinfo\/cli-approve r1 (Progressing|Succeeded): /);
    await waitPhase(id, 'Succeeded');

    const audit = await wf(['audit', '--rollout', id, '--action', 'approve', '-o', 'json'], operator);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.json().items).toMatchObject([{ rolloutId: id, action: 'Approve', comment: 'canary looks good', actor: { id: approver.id } }]);
    const auditText = await wf(['audit', '--rollout', id], operator);
    expect(auditText.stdout).toMatch(new RegExp(`^\\S+ \\S+ +bookinfo/cli-approve +Approve +${approver.id} +1 +AwaitingApproval → (Progressing|Succeeded) .*"canary looks good"$`, 'm'));
  });

  it('a token without the approver role is refused (exit 6) with the role it needs', async () => {
    const id = await applyAwaitingApproval('cli-viewer');
    const r = await wf(['rollout', 'approve', id], viewer);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/wasmfleet: error: role .*approver.* required/);
    expect(r.stderr).toContain('hint: use a token holding a role');
    await wf(['rollout', 'abort', id], operator);
  });
});

describe('status --watch', () => {
  it('follows the events to Succeeded and exits 0', async () => {
    const id = await applyAwaitingApproval('cli-watch');
    const w = watch(id, operator);
    await w.line(/AwaitingApproval/);
    const approved = await server.api('POST', `/api/v1/rollouts/${id}/approve`, {}, approver.token);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(await w.exit(), w.stderr()).toBe(0);
    const lines = w.lines();
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\dZ {2}bookinfo\/cli-watch {2}r1 {2}AwaitingApproval +awaiting approval by approver/);
    expect(lines.at(-1)).toMatch(/ {2}Succeeded +revision 1/);
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });

  it('exits 1 when the rollout ends other than Succeeded (rejected), saying how it ended', async () => {
    const id = await applyAwaitingApproval('cli-watch-reject');
    const w = watch(id, operator, ['-o', 'json']);
    await w.line(/AwaitingApproval/);
    const rejected = await wf(['rollout', 'reject', id, '--comment', 'not today'], approver.token);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(await w.exit()).toBe(1);
    const views = w.lines().map((l) => JSON.parse(l));
    expect(views[0]).toMatchObject({ id, phase: 'AwaitingApproval' });
    expect(views.at(-1)).toMatchObject({ id, phase: expect.stringMatching(/^(Failed|RolledBack)$/) });
    expect(w.stderr()).toMatch(/wasmfleet: error: bookinfo\/cli-watch-reject revision 1 ended (Failed|RolledBack): .*rejected by .*not today/);
  });

  it('--timeout gives up with exit 1, saying where the rollout is', async () => {
    const id = await applyAwaitingApproval('cli-watch-timeout');
    const started = Date.now();
    const r = await wf(['rollout', 'status', id, '--watch', '--timeout', '2s'], operator);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(r.stdout).toMatch(/AwaitingApproval/);
    expect(r.stderr).toContain(`wasmfleet: error: ${id} did not end within 2 s (it is AwaitingApproval)`);
  });

  it('ends at once when the rollout already ended', async () => {
    await waitPhase('bookinfo/cli-apply', 'Succeeded');
    const r = await wf(['rollout', 'status', 'bookinfo/cli-apply', '--watch'], operator);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('operator actions', () => {
  it('pause, resume, promote, abort and rollback move the rollout, or are refused (exit 6) when its phase forbids', async () => {
    const file = writeRollout('cli-actions', '    steps:\n      - proxies: 10%\n        analysis: { duration: 1h }\n      - pause: {}\n      - proxies: 100%');
    expect((await wf(['rollout', 'apply', '-f', file], operator)).code).toBe(0);
    const id = 'bookinfo/cli-actions';
    await waitPhase(id, 'Progressing');

    const paused = await wf(['rollout', 'pause', id, '-m', 'looking', '-o', 'json'], operator);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.json()).toMatchObject({ phase: 'Paused' });
    const again = await wf(['rollout', 'pause', id], operator);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/Pause refused \(invalid-transition\) in phase Paused/);
    expect(again.stderr).toContain(`hint: see what it allows now: wasmfleet rollout status ${id}`);

    const resumed = await wf(['rollout', 'resume', id], operator);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^resumed bookinfo\/cli-actions\nbookinfo\/cli-actions r1 Progressing: /);

    const promoted = await wf(['rollout', 'promote', id, '-o', 'json'], operator);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.json()).toMatchObject({ phase: 'Paused', stepIndex: 1 });

    const aborted = await wf(['rollout', 'abort', id], operator);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(/^aborted bookinfo\/cli-actions\nbookinfo\/cli-actions r1 Aborted: /);

    const badRevision = await wf(['rollout', 'rollback', id, '--to-revision', 'two'], operator);
    expect(badRevision.code).toBe(2);
    expect(badRevision.stderr).toContain('--to-revision must be a revision number');
    const unknown = await wf(['rollout', 'rollback', id, '--to-revision', '7'], operator);
    expect(unknown.code).toBe(6);
    expect(unknown.stderr).toContain(`hint: see which revisions were validated: wasmfleet rollout history ${id}`);
  });
});

describe('errors and exit codes', () => {
  it('get of a missing rollout exits 3 with the server message and a hint', async () => {
    const r = await wf(['rollout', 'get', 'bookinfo/no-such-rollout'], operator);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('wasmfleet: error: rollout "bookinfo/no-such-rollout" does not exist');
    expect(r.stderr).toContain('hint: list rollouts with `wasmfleet rollout list`');
    expect((await wf(['rollout', 'approve', 'bookinfo/no-such-rollout'], approver.token)).code).toBe(3);
  });

  it('an invalid rollout exits 2, naming each bad field; nothing is created', async () => {
    const file = path.join(work, 'invalid.yaml');
    writeFileSync(file, rolloutYaml('cli-invalid', '    steps:\n      - proxies: 150%').replace(/sha256: \w+/, 'sha256: not-a-digest'));
    const r = await wf(['rollout', 'apply', '-f', file], operator);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`wasmfleet: error: the rollout in ${file} is invalid:`);
    expect(r.stderr).toMatch(/^ {4}spec\.filter\.sha256: /m);
    expect(r.stderr).toMatch(/^ {4}spec\.strategy\.steps\.0\.proxies: /m);
    expect((await wf(['rollout', 'get', 'bookinfo/cli-invalid'], operator)).code).toBe(3);
  });

  it('YAML that does not parse exits 2 with the parser message; so does broken JSON', async () => {
    const yamlFile = path.join(work, 'broken.yaml');
    writeFileSync(yamlFile, 'apiVersion: wasmfleet.io/v1alpha1\nmetadata: { name: x\n');
    const y = await wf(['rollout', 'apply', '-f', yamlFile], operator);
    expect(y.code).toBe(2);
    expect(y.stderr).toMatch(/\(document\): YAML: /);
    const jsonFile = path.join(work, 'broken.json');
    writeFileSync(jsonFile, '{"apiVersion": ');
    const j = await wf(['rollout', 'apply', '-f', jsonFile], operator);
    expect(j.code).toBe(2);
    expect(j.stderr).toContain(`${jsonFile} is not valid JSON`);
    const missing = await wf(['rollout', 'apply', '-f', path.join(work, 'nope.yaml')], operator);
    expect(missing.code).toBe(3);
  });

  it('no token exits 4 with a hint; a wrong token exits 4 and is never printed', async () => {
    const none = await wf(['rollout', 'list'], undefined);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('wasmfleet: error: no API token for the management server');
    expect(none.stderr).toMatch(/hint: .*--token-file .*WASMFLEET_TOKEN/);

    const wrong = 'wf_definitely-not-a-real-token-123456';
    const refused = await wf(['rollout', 'list'], wrong);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`the server at ${server.http} refused the token`);
    expect(refused.stderr + refused.stdout).not.toContain(wrong);
    const flag = await runCli(['audit', '--server', server.http, '--token', wrong], { extraEnv: { WASMFLEET_TOKEN: '' } });
    expect(flag.code).toBe(4);
    expect(flag.stderr + flag.stdout).not.toContain(wrong);
  });

  it('--token-file reads the token (and a missing file exits 3)', async () => {
    const file = path.join(work, 'admin-token');
    writeFileSync(file, `${server.token}\n`, { mode: 0o600 });
    const r = await runCli(['rollout', 'list', '--server', server.http, '--token-file', file, '-o', 'json'], { extraEnv: { WASMFLEET_TOKEN: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(Array.isArray(r.json().items)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(server.token);
    const missing = await runCli(['rollout', 'list', '--server', server.http, '--token-file', path.join(work, 'none')], { extraEnv: { WASMFLEET_TOKEN: '' } });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('admin-token');
  });

  it('a server that is not there exits 1 saying where it looked; a bad rollout name or --limit exits 2', async () => {
    const r = await runCli(['rollout', 'list', '--server', 'http://127.0.0.1:1'], { extraEnv: { WASMFLEET_TOKEN: 'x'.repeat(20) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the management server at http://127.0.0.1:1');
    expect(r.stderr).toContain('WASMFLEET_SERVER');
    const name = await wf(['rollout', 'get', 'Bookinfo'], operator);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('expected <namespace>/<name>');
    const limit = await wf(['audit', '--limit', '0'], operator);
    expect(limit.code).toBe(2);
    const bogus = await wf(['rollout', 'frobnicate'], operator);
    expect(bogus.code).toBe(2);
  });
});
