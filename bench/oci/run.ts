// npm run bench:oci — OCI pull benchmark of the wasmfleet CLI against skopeo, and request coalescing of the
// module cache.
//
//  1. A 5 MiB module in a local registry (Debian docker-registry, testing/oci-registry.ts). `wasmfleet pull` (the
//     built CLI as a child process) and `skopeo copy --src-tls-verify=false docker://… oci:<dir>` pull it in
//     alternating order for N rounds after one uncounted warm-up each; p50 and mean of the wall time of each
//     process, and their ratio. Two context rows: the floor of any Node.js CLI (`node -e 0`) and the library's
//     pull inside one process (`pullModule`, no process start).
//  2. 200 concurrent `ModuleCache.get` of one digest through a recording proxy in front of the registry: how many
//     times the registry was asked for the module's blob (target: exactly 1).
//
//   npx tsx bench/oci/run.ts [--rounds 10] [--size-mib 5] [--concurrency 200]
//
// Needs `npx tsc -b apps/cli` first (runs apps/cli/dist/main.js) and docker-registry + skopeo on PATH.
// Markdown table on stdout; progress on stderr. Every wait is bounded; processes and temp dirs are cleaned up.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModuleCache, pullModule, pushModule } from '@wasmfleet/oci';
import { startRecordingProxy, startRegistry, wasmModule, type RecordingProxy, type TestRegistry } from '../../testing/oci-registry.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../..');
const CLI = path.join(REPO, 'apps/cli/dist/main.js');
const PROCESS_TIMEOUT_MS = 60_000;
const CACHE_TIMEOUT_MS = 120_000;
const PULL_RATIO_TARGET = 1.2;

interface Options {
  rounds: number;
  sizeMiB: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 10, sizeMiB: 5, concurrency: 200 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
    if (flag === '--rounds') o.rounds = Math.round(value);
    else if (flag === '--size-mib') o.sizeMiB = value;
    else if (flag === '--concurrency') o.concurrency = Math.round(value);
    else throw new Error(`unknown option ${flag} (--rounds, --size-mib, --concurrency)`);
  }
  return o;
}

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench:oci +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

/** Runs a process to its end within the deadline; resolves with its wall time in ms, rejects on failure. */
function timedRun(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${signal ?? code}: ${stderr.trim()}`));
    });
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const summary = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: sorted[0]!, max: sorted.at(-1)! };
};
const ms = (x: number) => `${x.toFixed(0)} ms`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The one blob of skopeo's OCI layout that holds the module. */
function skopeoModule(dir: string, expectedSha: string): void {
  const blob = path.join(dir, 'blobs', 'sha256', expectedSha);
  if (!existsSync(blob)) throw new Error(`skopeo's layout in ${dir} has no blob ${expectedSha} (has ${readdirSync(path.join(dir, 'blobs', 'sha256')).join(', ')})`);
  if (sha256(readFileSync(blob)) !== expectedSha) throw new Error(`skopeo's blob ${expectedSha} does not hash to its name`);
}

async function pullComparison(registry: TestRegistry, o: Options, work: string) {
  const module = wasmModule(Math.round(o.sizeMiB * 1024 * 1024), 'bench-oci');
  const moduleSha = sha256(module);
  const pushed = await pushModule(`oci://${registry.host}/bench/module:v1`, module);
  log(`pushed ${module.length} bytes as ${pushed.manifestDigest}`);
  const ref = `${registry.host}/bench/module:v1`;
  const cli = async (i: number) => {
    const out = path.join(work, `cli-${i}.wasm`);
    const t = await timedRun(process.execPath, [CLI, 'pull', `oci://${ref}`, '-o', out, '--no-progress']);
    if (sha256(readFileSync(out)) !== moduleSha) throw new Error(`wasmfleet pull wrote ${out} with the wrong content`);
    rmSync(out);
    return t;
  };
  const skopeo = async (i: number) => {
    const dir = path.join(work, `skopeo-${i}`);
    const t = await timedRun('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}`]);
    skopeoModule(dir, moduleSha);
    rmSync(dir, { recursive: true, force: true });
    return t;
  };
  log('warm-up (uncounted): one pull each');
  await cli(-1);
  await skopeo(-1);
  const times = { cli: [] as number[], skopeo: [] as number[], node: [] as number[], lib: [] as number[] };
  for (let i = 0; i < o.rounds; i++) {
    // alternate who goes first, so neither always runs on a cache the other warmed
    const order = i % 2 === 0 ? (['cli', 'skopeo'] as const) : (['skopeo', 'cli'] as const);
    for (const who of order) times[who].push(who === 'cli' ? await cli(i) : await skopeo(i));
    times.node.push(await timedRun(process.execPath, ['-e', '0']));
    const t0 = performance.now();
    const pulled = await pullModule(`oci://${ref}`);
    times.lib.push(performance.now() - t0);
    if (pulled.sha256 !== moduleSha) throw new Error('pullModule returned the wrong module');
    log(`round ${i + 1}/${o.rounds}: wasmfleet ${ms(times.cli.at(-1)!)}, skopeo ${ms(times.skopeo.at(-1)!)}, node -e 0 ${ms(times.node.at(-1)!)}, pullModule ${ms(times.lib.at(-1)!)}`);
  }
  return { moduleBytes: module.length, cli: summary(times.cli), skopeo: summary(times.skopeo), node: summary(times.node), lib: summary(times.lib) };
}

async function cacheCoalescing(registry: TestRegistry, o: Options, work: string) {
  const module = wasmModule(1024 * 1024, 'bench-oci-cache');
  const moduleSha = sha256(module);
  const pushed = await pushModule(`oci://${registry.host}/bench/cached:v1`, module);
  let proxy: RecordingProxy | undefined;
  let cache: ModuleCache | undefined;
  try {
    proxy = await startRecordingProxy(registry.url);
    cache = new ModuleCache({ dir: path.join(work, 'cache') });
    const ref = `oci://${proxy.host}/bench/cached@${pushed.manifestDigest}`;
    log(`${o.concurrency} concurrent ModuleCache.get(${ref})`);
    const t0 = performance.now();
    const all = Promise.all(Array.from({ length: o.concurrency }, () => cache!.get(ref)));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ModuleCache.get did not finish within ${CACHE_TIMEOUT_MS} ms`)), CACHE_TIMEOUT_MS);
    });
    const results = await Promise.race([all, deadline]).finally(() => clearTimeout(timer));
    const elapsed = performance.now() - t0;
    const wrong = results.filter((r) => r.sha256 !== moduleSha).length;
    if (wrong) throw new Error(`${wrong} of ${results.length} gets returned the wrong module`);
    const blobFetches = proxy.count('GET', new RegExp(`/blobs/sha256:${moduleSha}$`));
    const manifestFetches = proxy.count('GET', /\/manifests\//);
    log(`done in ${ms(elapsed)}: ${blobFetches} blob GET(s), ${manifestFetches} manifest GET(s), ${proxy.requests.length} requests in all`);
    return { callers: results.length, blobFetches, manifestFetches, requests: proxy.requests.length, elapsed };
  } finally {
    cache?.close();
    await proxy?.stop();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b apps/cli\` (or npm run build) first`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-oci-'));
  let registry: TestRegistry | undefined;
  const cleanup = async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    registry = await startRegistry();
    log(`registry on ${registry.host}; ${o.rounds} rounds of a ${o.sizeMiB} MiB pull`);
    const pull = await pullComparison(registry, o, work);
    const cache = await cacheCoalescing(registry, o, work);
    const ratioP50 = pull.cli.p50 / pull.skopeo.p50;
    const ratioMean = pull.cli.mean / pull.skopeo.mean;
    const met = (ok: boolean) => (ok ? 'yes' : '**no**');
    const mib = (pull.moduleBytes / (1024 * 1024)).toFixed(1);
    const lines = [
      `### OCI pull: ${mib} MiB module from a local registry, ${o.rounds} rounds (${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)})`,
      '',
      '| measurement | p50 | mean | min | max | target | met |',
      '|---|---|---|---|---|---|---|',
      `| \`wasmfleet pull\` (CLI process) | ${ms(pull.cli.p50)} | ${ms(pull.cli.mean)} | ${ms(pull.cli.min)} | ${ms(pull.cli.max)} | | |`,
      `| \`skopeo copy … oci:<dir>\` | ${ms(pull.skopeo.p50)} | ${ms(pull.skopeo.mean)} | ${ms(pull.skopeo.min)} | ${ms(pull.skopeo.max)} | | |`,
      `| ratio wasmfleet / skopeo | ${ratioP50.toFixed(2)}× | ${ratioMean.toFixed(2)}× | | | ≤ ${PULL_RATIO_TARGET}× | ${met(ratioP50 <= PULL_RATIO_TARGET && ratioMean <= PULL_RATIO_TARGET)} |`,
      `| context: \`node -e 0\` (floor of any Node.js CLI) | ${ms(pull.node.p50)} | ${ms(pull.node.mean)} | ${ms(pull.node.min)} | ${ms(pull.node.max)} | | |`,
      `| context: \`pullModule\` in one process (no process start) | ${ms(pull.lib.p50)} | ${ms(pull.lib.mean)} | ${ms(pull.lib.min)} | ${ms(pull.lib.max)} | | |`,
      '',
      `### Module cache: ${cache.callers} concurrent \`ModuleCache.get\` of one digest (1 MiB module, through a recording proxy)`,
      '',
      '| measurement | result | target | met |',
      '|---|---|---|---|',
      `| registry GETs of the module blob | ${cache.blobFetches} | exactly 1 | ${met(cache.blobFetches === 1)} |`,
      `| registry GETs of the manifest | ${cache.manifestFetches} | | |`,
      `| all registry requests | ${cache.requests} | | |`,
      `| wall time for all ${cache.callers} callers | ${ms(cache.elapsed)} | | |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
