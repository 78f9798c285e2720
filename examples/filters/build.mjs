#!/usr/bin/env node
// Builds every example proxy-wasm filter listed in filters.json into dist/<name>.wasm plus dist/<name>.json
// (name, rootId, abi, sha256, size, imports, exports, ...).
//
//   node build.mjs [--force] [--verbose] [name ...]
//
// AssemblyScript filters: assemblyscript 0.14.x + @solo-io/proxy-runtime 0.1.8 from the workspace's
// node_modules, with --use abort=abort_proc_exit (as in the runtime's own build) and -O3 (see README.md).
// C filters: clang-14 --target=wasm32 -nostdlib -c, then wasm-ld (lld-14) --no-entry.
// Env overrides: CLANG, WASM_LD.
//
// Incremental: a filter is rebuilt unless dist/<name>.json records the same input fingerprint (sha256 over
// its sources, the shared sources, this script, the toolchain versions and the flags) and dist/<name>.wasm
// still has the recorded sha256. --force rebuilds everything.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, 'dist');
const require = createRequire(path.join(HERE, 'package.json'));

// -O3 (speed) rather than the runtime's --optimize (-O3s): about 0.2 µs less Wasm time per request.
// --noAssert would save as much again, but it also drops checked downcasts and allocator checks.
const AS_FLAGS = ['--use', 'abort=abort_proc_exit', '-O3'];
// C is compiled and linked in two explicit steps: when clang drives the link itself it also runs any
// `wasm-opt` found on PATH (npm puts binaryen's on PATH), which made the output depend on how the build
// was started.
const C_FLAGS = ['--target=wasm32', '-nostdlib', '-O2', '-std=c11', '-Wall', '-Wextra', '-fno-builtin'];
const LD_FLAGS = ['--no-entry', '-z', 'stack-size=65536', '--strip-debug'];
const ALLOWED_IMPORT_MODULES = new Set(['env', 'wasi_snapshot_preview1', 'wasi_unstable']);

class BuildError extends Error {}

// ---------- helpers ----------

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath ?? d.path, d.name))
    .filter((f) => !f.split(path.sep).some((part) => part === 'node_modules' || part === 'dist'))
    .sort();
}

function hashFiles(hash, files) {
  for (const file of files) {
    hash.update(path.relative(HERE, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
}

function which(name) {
  if (!name) return null;
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: HERE, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + String(err) }));
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
}

function firstLine(text) {
  return String(text).split('\n').find((l) => l.trim()) ?? '';
}

// ---------- toolchains (looked up lazily, only for the languages being built) ----------

let asToolchain;
function assemblyscript() {
  if (asToolchain) return asToolchain;
  let asPkg;
  let rtPkg;
  try {
    asPkg = require.resolve('assemblyscript/package.json');
  } catch {
    throw new BuildError(
      'assemblyscript not found: run `npm install` at the repository root (examples/filters pins assemblyscript@0.14.13)',
    );
  }
  try {
    rtPkg = require.resolve('@solo-io/proxy-runtime/package.json');
  } catch {
    throw new BuildError(
      '@solo-io/proxy-runtime not found: run `npm install` at the repository root (examples/filters pins @solo-io/proxy-runtime@0.1.8)',
    );
  }
  const asVersion = JSON.parse(fs.readFileSync(asPkg, 'utf8')).version;
  const rtVersion = JSON.parse(fs.readFileSync(rtPkg, 'utf8')).version;
  if (!asVersion.startsWith('0.14.')) {
    throw new BuildError(
      `assemblyscript ${asVersion} found, but @solo-io/proxy-runtime ${rtVersion} only compiles with assemblyscript 0.14.x ` +
        '(examples/filters pins 0.14.13; run `npm install` at the repository root)',
    );
  }
  const asc = path.join(path.dirname(asPkg), 'bin', 'asc');
  if (!fs.existsSync(asc)) throw new BuildError(`assemblyscript ${asVersion} has no bin/asc at ${asc}`);
  const rtDir = path.dirname(rtPkg);
  const hash = createHash('sha256');
  hash.update(`assemblyscript ${asVersion}\0proxy-runtime ${rtVersion}\0${AS_FLAGS.join(' ')}\0`);
  hashFiles(hash, listFiles(path.join(rtDir, 'assembly')));
  asToolchain = {
    asc,
    description: { assemblyscript: asVersion, '@solo-io/proxy-runtime': rtVersion, flags: AS_FLAGS },
    fingerprint: hash.digest('hex'),
  };
  return asToolchain;
}

let cToolchain;
function clang() {
  if (cToolchain) return cToolchain;
  const cc = [process.env.CLANG, 'clang-14', 'clang'].map(which).find(Boolean);
  if (!cc) throw new BuildError('clang-14 not found: apt-get install clang-14 lld-14 (or set CLANG=/path/to/clang)');
  const ld = [process.env.WASM_LD, 'wasm-ld-14', 'wasm-ld', '/usr/lib/llvm-14/bin/wasm-ld'].map(which).find(Boolean);
  if (!ld) throw new BuildError('wasm-ld-14 not found: apt-get install lld-14 (or set WASM_LD=/path/to/wasm-ld)');
  const ccVersion = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (ccVersion.status !== 0) throw new BuildError(`${cc} --version failed: ${firstLine(ccVersion.stderr)}`);
  const ldVersion = spawnSync(ld, ['--version'], { encoding: 'utf8' });
  if (ldVersion.status !== 0) throw new BuildError(`${ld} --version failed: ${firstLine(ldVersion.stderr)}`);
  const description = {
    clang: firstLine(ccVersion.stdout),
    'wasm-ld': firstLine(ldVersion.stdout),
    flags: C_FLAGS,
    ldFlags: LD_FLAGS,
  };
  cToolchain = {
    cc,
    ld,
    description,
    fingerprint: sha256(JSON.stringify(description)),
  };
  return cToolchain;
}

// ---------- one filter ----------

function inputFingerprint(filter, toolchain) {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(filter)).update('\0').update(toolchain.fingerprint).update('\0');
  hashFiles(hash, [path.join(HERE, 'build.mjs')]);
  const filterDir = path.join(HERE, filter.entry.split('/')[0]);
  hashFiles(hash, listFiles(filterDir));
  if (filter.language === 'assemblyscript') hashFiles(hash, listFiles(path.join(HERE, 'shared')));
  return hash.digest('hex');
}

function upToDate(filter, fingerprint) {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(DIST, `${filter.name}.json`), 'utf8'));
    if (meta.inputs !== fingerprint) return null;
    const wasm = fs.readFileSync(path.join(DIST, `${filter.name}.wasm`));
    return sha256(wasm) === meta.sha256 && wasm.length === meta.size ? meta : null;
  } catch {
    return null;
  }
}

async function compile(filter, toolchain, outFile) {
  const entry = path.join(HERE, filter.entry);
  if (!fs.existsSync(entry)) throw new BuildError(`${filter.name}: entry ${filter.entry} does not exist`);
  let result;
  if (filter.language === 'assemblyscript') {
    result = await run(process.execPath, [toolchain.asc, filter.entry, '-b', outFile, ...AS_FLAGS]);
  } else if (filter.language === 'c') {
    const objFile = outFile.replace(/\.wasm$/, '.o');
    try {
      result = await run(toolchain.cc, [...C_FLAGS, '-c', '-o', objFile, entry]);
      if (result.code === 0) {
        const compiled = result;
        result = await run(toolchain.ld, [...LD_FLAGS, '-o', outFile, objFile]);
        result.stderr = compiled.stderr + result.stderr;
      }
    } finally {
      fs.rmSync(objFile, { force: true });
    }
  } else {
    throw new BuildError(`${filter.name}: unknown language ${filter.language}`);
  }
  if (result.code !== 0 || !fs.existsSync(outFile)) {
    const output = (result.stderr + result.stdout).trim();
    throw new BuildError(`${filter.name}: compiler exited with ${result.signal ?? result.code}\n${output}`);
  }
  return result;
}

async function inspect(filter, bytes) {
  let module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (err) {
    throw new BuildError(`${filter.name}: output is not a valid Wasm module: ${err.message}`);
  }
  const exports = WebAssembly.Module.exports(module);
  const imports = WebAssembly.Module.imports(module);
  const abis = exports
    .map((e) => /^proxy_abi_version_(\d+)_(\d+)_(\d+)$/.exec(e.name))
    .filter(Boolean)
    .map((m) => `${m[1]}.${m[2]}.${m[3]}`);
  if (abis.length !== 1) {
    throw new BuildError(`${filter.name}: expected exactly one proxy_abi_version_* export, found ${abis.length}`);
  }
  if (filter.abi && abis[0] !== filter.abi) {
    throw new BuildError(`${filter.name}: exports ABI ${abis[0]} but filters.json expects ${filter.abi}`);
  }
  const names = new Set(exports.map((e) => e.name));
  if (!names.has('malloc') && !names.has('proxy_on_memory_allocate')) {
    throw new BuildError(`${filter.name}: exports neither malloc nor proxy_on_memory_allocate`);
  }
  const foreign = imports.filter((i) => !ALLOWED_IMPORT_MODULES.has(i.module));
  if (foreign.length) {
    throw new BuildError(
      `${filter.name}: imports from modules other than env/wasi: ${foreign.map((i) => `${i.module}.${i.name}`).join(', ')}`,
    );
  }
  return {
    abi: abis[0],
    imports: imports.map((i) => `${i.module}.${i.name}`),
    exports: exports.map((e) => e.name),
  };
}

function writeAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

async function buildOne(filter, { force, verbose }) {
  const started = Date.now();
  const toolchain = filter.language === 'c' ? clang() : assemblyscript();
  const fingerprint = inputFingerprint(filter, toolchain);
  if (!force) {
    const meta = upToDate(filter, fingerprint);
    if (meta) return { meta, status: 'up to date', ms: Date.now() - started };
  }
  const outFile = path.join(DIST, `.${filter.name}.tmp-${process.pid}.wasm`);
  try {
    const result = await compile(filter, toolchain, outFile);
    if (verbose && (result.stderr || result.stdout).trim()) process.stderr.write(result.stderr + result.stdout);
    const bytes = fs.readFileSync(outFile);
    const info = await inspect(filter, bytes);
    const meta = {
      name: filter.name,
      rootId: filter.rootId,
      abi: info.abi,
      sha256: sha256(bytes),
      size: bytes.length,
      language: filter.language,
      source: filter.entry,
      toolchain: toolchain.description,
      imports: info.imports,
      exports: info.exports,
      inputs: fingerprint,
    };
    fs.renameSync(outFile, path.join(DIST, `${filter.name}.wasm`));
    writeAtomic(path.join(DIST, `${filter.name}.json`), JSON.stringify(meta, null, 2) + '\n');
    return { meta, status: 'built', ms: Date.now() - started };
  } finally {
    fs.rmSync(outFile, { force: true });
  }
}

function progress(filter, { meta, status, ms }) {
  const secs = status === 'built' ? `  ${(ms / 1000).toFixed(1)}s` : '';
  console.log(
    `[filters] ${filter.name.padEnd(13)} ${filter.language.padEnd(14)} ${status.padEnd(10)} ` +
      `${String(meta.size).padStart(7)} B  abi ${meta.abi}  root ${meta.rootId}  sha256 ${meta.sha256.slice(0, 12)}${secs}`,
  );
}

// ---------- main ----------

async function main() {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const verbose = args.includes('--verbose');
  const unknownFlags = args.filter((a) => a.startsWith('-') && a !== '--force' && a !== '--verbose');
  if (unknownFlags.length) throw new BuildError(`unknown option ${unknownFlags[0]} (use --force, --verbose)`);
  const names = args.filter((a) => !a.startsWith('-'));

  const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'filters.json'), 'utf8'));
  let filters = manifest.filters;
  if (names.length) {
    const missing = names.filter((n) => !filters.some((f) => f.name === n));
    if (missing.length) {
      throw new BuildError(`unknown filter ${missing.join(', ')} (known: ${filters.map((f) => f.name).join(', ')})`);
    }
    filters = filters.filter((f) => names.includes(f.name));
  }

  fs.mkdirSync(DIST, { recursive: true });
  // Fail fast, naming the missing tool, before spending time on any compile.
  if (filters.some((f) => f.language === 'assemblyscript')) assemblyscript();
  if (filters.some((f) => f.language === 'c')) clang();

  const limit = Math.max(1, Math.min(filters.length, os.availableParallelism?.() ?? os.cpus().length));
  const queue = [...filters];
  const failures = [];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let filter = queue.shift(); filter; filter = queue.shift()) {
        try {
          progress(filter, await buildOne(filter, { force, verbose }));
        } catch (err) {
          failures.push(filter.name);
          console.error(`[filters] ${filter.name}: FAILED\n${err instanceof BuildError ? err.message : err.stack}`);
        }
      }
    }),
  );
  if (failures.length) throw new BuildError(`build failed for ${failures.join(', ')}`);
}

main().catch((err) => {
  console.error(`[filters] ${err instanceof BuildError ? err.message : err.stack}`);
  process.exitCode = 1;
});
