// push, pull, inspect and login against real registries (an open one and one with htpasswd basic auth), through
// the real CLI: the fields of `inspect -o json`, the exit codes scripts rely on, and the hints people rely on.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRegistry, wasmModule, type TestRegistry } from '../../../../testing/oci-registry.js';
import { cliEnv, EXAMPLES_DIST, ensureCliBuilt, ensureExampleFilters, runCli, type CliEnv } from '../../test-support/cli-process.js';

// Each test runs the CLI as child processes; on a loaded machine one start alone can take a second.
vi.setConfig({ testTimeout: 120_000 });

let open: TestRegistry;
let secured: TestRegistry;
let work: string;
const USER = { user: 'fleet', password: 'correct horse battery staple' };

beforeAll(async () => {
  await Promise.all([ensureCliBuilt(), ensureExampleFilters()]);
  [open, secured] = await Promise.all([startRegistry(), startRegistry({ auth: USER })]);
  work = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-registry-'));
}, 300_000);

afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('inspect', () => {
  let env: CliEnv;
  beforeAll(() => {
    env = cliEnv();
  });
  afterAll(() => env.cleanup());

  it('reports format, digests, module sha256 and size, ABI, root ids, exports and imports', async () => {
    const file = path.join(EXAMPLES_DIST, 'add-header.wasm');
    const ref = `oci://${open.host}/filters/add-header:v1`;
    const pushed = await runCli(['push', ref, '--file', file, '--root-id', 'add_header', '-o', 'json'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const r = await runCli(['inspect', ref, '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const info = r.json();
    const bytes = readFileSync(file);
    const meta = JSON.parse(readFileSync(path.join(EXAMPLES_DIST, 'add-header.json'), 'utf8'));
    expect(info).toMatchObject({
      reference: ref,
      format: 'solo',
      manifestDigest: pushed.json().manifestDigest,
      pinned: `oci://${open.host}/filters/add-header@${pushed.json().manifestDigest}`,
      module: { sha256: meta.sha256, size: bytes.length },
      abi: '0.2.0',
      rootIds: ['add_header'],
      declaredAbiVersions: ['v0.2.0'],
    });
    expect(info.mediaTypes.layer).toBe('application/vnd.module.wasm.content.layer.v1+wasm');
    expect(info.exports).toEqual(expect.arrayContaining(['proxy_abi_version_0_2_0', 'malloc', 'proxy_on_response_headers']));
    expect([...info.imports].sort()).toEqual([...meta.imports].sort());
  });

  it('reads compat images too, and says so', async () => {
    const file = path.join(EXAMPLES_DIST, 'c-add-header.wasm');
    const ref = `oci://${open.host}/filters/c-add-header:compat`;
    expect((await runCli(['push', ref, '--file', file, '--format', 'compat'], { env })).code).toBe(0);
    const r = await runCli(['inspect', ref, '-o', 'yaml'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^format: compat$/m);
    expect(r.stdout).toMatch(/^abi: 0\.2\.1$/m);
    expect(r.stdout).toContain('env.proxy_add_header_map_value');
  });

  it('shows a module that is not a proxy-wasm filter with abi null', async () => {
    const file = path.join(work, 'plain.wasm');
    writeFileSync(file, wasmModule(300, 'plain'));
    const ref = `oci://${open.host}/misc/plain:v1`;
    const pushed = await runCli(['push', ref, '--file', file], { env });
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toContain('exports no proxy_abi_version_* function');
    const r = await runCli(['inspect', ref, '-o', 'json'], { env });
    expect(r.json()).toMatchObject({ abi: null, module: { size: 300 }, exports: [], imports: [] });
  });
});

describe('exit codes and hints', () => {
  let env: CliEnv;
  beforeAll(() => {
    env = cliEnv();
  });
  afterAll(() => env.cleanup());

  it('pull of a missing tag exits 3 (not found) and names what is missing', async () => {
    const r = await runCli(['pull', `oci://${open.host}/filters/add-header:no-such-tag`, '-o', path.join(work, 'x.wasm')], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('filters/add-header:no-such-tag not found');
    expect(existsSync(path.join(work, 'x.wasm'))).toBe(false);
  });

  it('pull -o <dir> writes <repository>.wasm inside it; -o - writes the module to stdout', async () => {
    const ref = `oci://${open.host}/filters/add-header:v1`;
    const bytes = readFileSync(path.join(EXAMPLES_DIST, 'add-header.wasm'));
    const intoDir = await runCli(['pull', ref, '-o', work], { env });
    expect(intoDir.code, intoDir.stderr).toBe(0);
    expect(readFileSync(path.join(work, 'add-header.wasm')).equals(bytes)).toBe(true);
    const toStdout = await runCli(['pull', ref, '-o', '-', '--json'], { env, binaryStdout: true });
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdoutBytes.equals(bytes)).toBe(true);
    expect(JSON.parse(toStdout.stderr)).toMatchObject({ file: '-', size: bytes.length });
  });

  it('pull into a directory that does not exist is a usage error, before any download', async () => {
    const r = await runCli(['pull', `oci://${open.host}/filters/add-header:v1`, '-o', path.join(work, 'no', 'such', 'dir', 'x.wasm')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not exist');
  });

  it('inspect of a missing repository exits 3', async () => {
    const r = await runCli(['inspect', `oci://${open.host}/nothing/here:v1`], { env });
    expect(r.code).toBe(3);
  });

  it('pull with a wrong --sha256 exits 5 and writes nothing', async () => {
    const out = path.join(work, 'wrong.wasm');
    const r = await runCli(['pull', `oci://${open.host}/filters/add-header:v1`, '-o', out, '--sha256', 'a'.repeat(64)], { env });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`expected sha256 ${'a'.repeat(64)}`);
    expect(existsSync(out)).toBe(false);
  });

  it('a malformed reference is a usage error (2)', async () => {
    const r = await runCli(['pull', `oci://${open.host}/Filters/UPPER:v1`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a module reference');
  });

  it('a missing argument or unknown flag is a usage error (2)', async () => {
    expect((await runCli(['push'], { env })).code).toBe(2);
    expect((await runCli(['pull', 'x', '--bogus'], { env })).code).toBe(2);
  });

  it('pushing a file that does not exist exits 3', async () => {
    const r = await runCli(['push', `oci://${open.host}/filters/x:v1`, '--file', path.join(work, 'missing.wasm')], { env });
    expect(r.code).toBe(3);
  });

  it('--help documents the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toMatch(/4 {2}authentication error/);
  });
});

describe('login against a registry with basic auth', () => {
  let env: CliEnv;
  const ref = () => `oci://${secured.host}/private/add-header:v1`;
  const file = () => path.join(EXAMPLES_DIST, 'add-header.wasm');
  const configFile = () => path.join(env.configDir, 'config.json');
  beforeAll(() => {
    env = cliEnv();
  });
  afterAll(() => env.cleanup());

  it('push without credentials exits 4 and says to run wasmfleet login', async () => {
    const r = await runCli(['push', ref(), '--file', file()], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('401');
    expect(r.stderr).toContain(`wasmfleet login ${secured.host}`);
  });

  it('a wrong password exits 4 with the hint, and stores nothing', async () => {
    const r = await runCli(['login', secured.host, '-u', USER.user, '--password-stdin'], { env, input: 'wrong-password\n' });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('were refused');
    expect(r.stderr).toContain(`wasmfleet login ${secured.host}`);
    expect(r.stderr + r.stdout).not.toContain('wrong-password');
    expect(existsSync(configFile())).toBe(false);
  });

  it('login verifies and stores the credentials in a Docker-style config.json with mode 0600', async () => {
    const r = await runCli(['login', secured.host, '-u', USER.user, '--password-stdin'], { env, input: `${USER.password}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`login succeeded: credentials of ${USER.user} for ${secured.host}`);
    expect(r.stdout + r.stderr).not.toContain(USER.password);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(configFile(), 'utf8'));
    expect(Buffer.from(doc.auths[secured.host].auth, 'base64').toString()).toBe(`${USER.user}:${USER.password}`);
  });

  it('push and pull then work with the stored credentials', async () => {
    const pushed = await runCli(['push', ref(), '--file', file(), '--root-id', 'add_header'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const out = path.join(work, 'private.wasm');
    const pulled = await runCli(['pull', ref(), '-o', out], { env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(file()))).toBe(true);
  });

  it('a second login keeps the other entries of the config file', async () => {
    expect((await runCli(['login', open.host, '-u', 'anyone', '--password-stdin'], { env, input: 'x' })).code).toBe(0);
    const doc = JSON.parse(readFileSync(configFile(), 'utf8'));
    expect(Object.keys(doc.auths).sort()).toEqual([open.host, secured.host].sort());
  });

  it('logout removes the entry, after which pull exits 4 again', async () => {
    const r = await runCli(['logout', secured.host], { env });
    expect(r.code).toBe(0);
    const pulled = await runCli(['pull', ref(), '-o', path.join(work, 'again.wasm')], { env });
    expect(pulled.code).toBe(4);
  });

  it('login without a terminal and without --password-stdin is a usage error', async () => {
    const r = await runCli(['login', secured.host, '-u', USER.user], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  });
});
