// Compiling a C filter without libc: clang-14 --target=wasm32 -nostdlib, then wasm-ld-14 --no-entry, in two
// explicit steps (when clang drives the link it also runs any wasm-opt on PATH, which made the output depend on
// how the build was started). CLANG and WASM_LD override the binaries.
import { existsSync, rmSync } from 'node:fs';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { runTool, which } from './run-tool.js';

export const C_FLAGS = ['--target=wasm32', '-nostdlib', '-O2', '-std=c11', '-Wall', '-Wextra', '-fno-builtin'];
export const LD_FLAGS = ['--no-entry', '-z', 'stack-size=65536', '--strip-debug'];
const STEP_TIMEOUT_MS = 2 * 60_000;

export interface CToolchain {
  cc: string;
  ld: string;
}

export function findCToolchain(env: NodeJS.ProcessEnv = process.env): CToolchain {
  const cc = [env.CLANG, 'clang-14', 'clang'].map((n) => which(n, env)).find(Boolean);
  if (!cc) throw new CliError('clang-14 not found: apt-get install clang-14 lld-14', ExitCode.failure, 'or set CLANG=/path/to/clang (any clang with the wasm32 target)');
  const ld = [env.WASM_LD, 'wasm-ld-14', 'wasm-ld', '/usr/lib/llvm-14/bin/wasm-ld'].map((n) => which(n, env)).find(Boolean);
  if (!ld) throw new CliError('wasm-ld-14 not found: apt-get install lld-14', ExitCode.failure, 'or set WASM_LD=/path/to/wasm-ld');
  return { cc, ld };
}

export async function compileC(tc: CToolchain, projectDir: string, entry: string, outFile: string): Promise<void> {
  const obj = `${outFile}.o`;
  try {
    const compiled = await runTool(tc.cc, [...C_FLAGS, '-c', '-o', obj, entry], { cwd: projectDir, timeoutMs: STEP_TIMEOUT_MS });
    if (compiled.code !== 0) throw new CliError(`${tc.cc} exited with ${compiled.signal ?? compiled.code} compiling ${entry}:\n${compiled.output.trim()}`, ExitCode.failure);
    const linked = await runTool(tc.ld, [...LD_FLAGS, '-o', outFile, obj], { cwd: projectDir, timeoutMs: STEP_TIMEOUT_MS });
    if (linked.code !== 0 || !existsSync(outFile)) {
      throw new CliError(`${tc.ld} exited with ${linked.signal ?? linked.code} linking ${entry}:\n${linked.output.trim()}`, ExitCode.failure);
    }
    if (compiled.output.trim()) process.stderr.write(compiled.output);
  } finally {
    rmSync(obj, { force: true });
  }
}
