// A new user's first filter, end to end with the real CLI, real compilers and a real registry: init → build →
// filter test → push → pull → filter test of the pulled module, for both languages, in a temp dir outside the
// repository (so the AssemblyScript toolchain comes from beside the CLI, not from the project).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FilterPlugin, loadFilterModule, type HttpRequest } from '@wasmfleet/proxy-wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRegistry, type TestRegistry } from '../../../../testing/oci-registry.js';
import { cliEnv, ensureCliBuilt, runCli, type CliEnv } from '../../test-support/cli-process.js';

// Each test runs the CLI as child processes; on a loaded machine one start alone can take a second.
vi.setConfig({ testTimeout: 120_000 });

let registry: TestRegistry;
let work: string;
let env: CliEnv;

beforeAll(async () => {
  await ensureCliBuilt();
  registry = await startRegistry();
  work = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-flow-'));
  env = cliEnv();
}, 240_000);

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  env?.cleanup();
});

describe.each([
  { lang: 'assemblyscript', name: 'my-as-filter', abi: '0.2.0', entry: 'assembly/index.ts' },
  { lang: 'c', name: 'my-c-filter', abi: '0.2.1', entry: 'src/filter.c' },
])('$lang project', ({ lang, name, abi, entry }) => {
  const rootId = name.replaceAll('-', '_');
  const dir = () => path.join(work, name);
  const ref = () => `oci://${registry.host}/filters/${name}:v1`;
  let built: { module: string; sha256: string; imageConfig: string };

  it('init creates a project with a project file, source, sample request and README', async () => {
    const r = await runCli(['init', name, '--lang', lang], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`created ${lang} filter project ${name}`);
    const project = parseYaml(readFileSync(path.join(dir(), 'wasmfleet.yaml'), 'utf8'));
    expect(project).toMatchObject({ name, lang, rootId, entry, out: 'build', config: { header: `x-${name}`, value: 'hello' } });
    for (const f of [entry, 'test/request.yaml', 'README.md']) expect(existsSync(path.join(dir(), f)), f).toBe(true);
    if (lang === 'assemblyscript') {
      const pkg = JSON.parse(readFileSync(path.join(dir(), 'package.json'), 'utf8'));
      expect(pkg.devDependencies).toEqual({ assemblyscript: '0.14.13', '@solo-io/proxy-runtime': '0.1.8' });
      expect(existsSync(path.join(dir(), 'node_modules'))).toBe(false);
    }
  });

  it('init refuses to write into a directory that is not empty', async () => {
    const r = await runCli(['init', name, '--lang', lang], { cwd: work, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exists and is not empty');
  });

  it('build compiles the module and writes its image config', async () => {
    const r = await runCli(['build', '-o', 'json'], { cwd: dir(), env, timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    built = r.json();
    expect(built.module).toBe(path.join(dir(), 'build', `${name}.wasm`));
    expect(readFileSync(built.module).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(r.json().abi).toBe(abi);
    expect(JSON.parse(readFileSync(built.imageConfig, 'utf8'))).toEqual({ type: 'envoy_proxy', abiVersions: [`v${abi}`], config: { rootIds: [rootId] } });
  }, 300_000);

  // A proxy runs a filter's VM for weeks: a new project must not keep memory per request, nor format log
  // lines on every request (the AssemblyScript SDK's own exports did both; init ships the examples' glue).
  it('the built filter keeps the same memory over 20,000 requests and logs nothing per request', async () => {
    const mod = await loadFilterModule(new Uint8Array(readFileSync(built.module)));
    const logged: string[] = [];
    const plugin = await FilterPlugin.start(mod, {
      name,
      rootId,
      pluginConfig: JSON.stringify({ header: `x-${name}`, value: 'hello' }),
      logLevel: 'trace',
      logger: (level, message) => void logged.push(`${level} ${message}`),
    });
    const request = (): HttpRequest => ({ method: 'GET', path: '/x', authority: 'svc', scheme: 'http', headers: [['user-agent', 'test']] });
    const ok = async () => ({ status: 200, headers: [['content-type', 'text/plain']] as [string, string][], body: Buffer.from('ok') });
    try {
      for (let i = 0; i < 2_000; i++) await plugin.handle(request(), ok);
      const settled = plugin.memoryBytes();
      logged.length = 0;
      let last;
      for (let i = 0; i < 20_000; i++) last = await plugin.handle(request(), ok);
      expect(last?.response.headers).toContainEqual([`x-${name}`, 'hello']);
      expect(plugin.memoryBytes()).toBe(settled);
      expect(logged).toEqual([]);
    } finally {
      await plugin.close();
    }
  });

  it("filter test runs the project's sample request and meets its expectations", async () => {
    const r = await runCli(['filter', 'test'], { cwd: dir(), env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`+ x-${name}: hello`);
    expect(r.stdout).toContain(`ok   expect response header x-${name} = hello`);
    expect(r.stdout).toMatch(/result {2}ok/);
  });

  it('filter test exits 5 when the configuration breaks the expectation', async () => {
    const r = await runCli(['filter', 'test', '--config', '{"header":"x-other","value":"1"}'], { cwd: dir(), env });
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`MISS expect response header x-${name} = hello (got (absent))`);
  });

  it('push uploads the build output with its image config', async () => {
    const r = await runCli(['push', ref(), '-o', 'json'], { cwd: dir(), env });
    expect(r.code, r.stderr).toBe(0);
    const pushed = r.json();
    expect(pushed).toMatchObject({ format: 'solo', sha256: built.sha256, rootIds: [rootId], abiVersions: [`v${abi}`] });
    expect(pushed.manifestDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('pull gives back exactly the built bytes, verified against --sha256', async () => {
    const out = path.join(work, `${name}-pulled.wasm`);
    const r = await runCli(['pull', ref(), '-o', out, '--sha256', built.sha256, '--json'], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ sha256: built.sha256, format: 'solo', file: out });
    expect(readFileSync(out).equals(readFileSync(built.module))).toBe(true);
    expect(statSync(out).size).toBe(r.json().size);
  });

  it('filter test of the pulled module shows the header it adds', async () => {
    const pulled = path.join(work, `${name}-pulled.wasm`);
    const r = await runCli(['filter', 'test', pulled, '--root-id', rootId, '--config', '{"header":"x-from-registry","value":"yes"}', '-o', 'json'], { cwd: work, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = r.json();
    expect(report.module).toMatchObject({ sha256: built.sha256, abi });
    expect(report.exchanges[0].responseChanges.added).toEqual([{ name: 'x-from-registry', value: 'yes' }]);
    expect(report.exchanges[0].status).toBe(200);
  });
});
