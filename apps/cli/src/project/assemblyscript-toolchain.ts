// Compiling an AssemblyScript filter: asc from assemblyscript 0.14.x with @solo-io/proxy-runtime 0.1.8 (newer
// AssemblyScript does not compile that SDK). Both are looked up in the project first (its node_modules, or any
// parent's, so a project inside a repo that has them needs no install of its own), then in the CLI's own
// installation. asc is told where the runtime was found (--path), so a project without node_modules builds too.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { runTool } from './run-tool.js';

export const ASSEMBLYSCRIPT_VERSION = '0.14.13';
export const PROXY_RUNTIME_VERSION = '0.1.8';
/** as in @solo-io/proxy-runtime's own build */
export const ASC_FLAGS = ['--use', 'abort=abort_proc_exit', '--optimize'];
const COMPILE_TIMEOUT_MS = 5 * 60_000;

interface Found {
  packageDir: string;
  version: string;
  from: 'project' | 'cli';
}

export interface AssemblyScriptToolchain {
  asc: string;
  ascVersion: string;
  runtimeVersion: string;
  /** the node_modules directory holding @solo-io/proxy-runtime */
  runtimeModules: string;
  from: { assemblyscript: Found['from']; runtime: Found['from'] };
}

function findPackage(name: string, projectDir: string): Found | undefined {
  const lookups: Array<[Found['from'], NodeJS.Require]> = [
    ['project', createRequire(path.join(projectDir, 'package.json'))],
    ['cli', createRequire(import.meta.url)],
  ];
  for (const [from, req] of lookups) {
    try {
      const pkgJson = req.resolve(`${name}/package.json`);
      const version = String((JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: unknown }).version ?? '');
      return { packageDir: path.dirname(pkgJson), version, from };
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

const installHint = (projectDir: string) =>
  `run \`npm install\` in ${projectDir} (its package.json pins assemblyscript@${ASSEMBLYSCRIPT_VERSION} and @solo-io/proxy-runtime@${PROXY_RUNTIME_VERSION}), ` +
  `or in a new directory: npm install --save-exact assemblyscript@${ASSEMBLYSCRIPT_VERSION} @solo-io/proxy-runtime@${PROXY_RUNTIME_VERSION}`;

export function findAssemblyScript(projectDir: string): AssemblyScriptToolchain {
  const as = findPackage('assemblyscript', projectDir);
  if (!as) throw new CliError('assemblyscript not found (neither in the project nor beside the wasmfleet CLI)', ExitCode.failure, installHint(projectDir));
  if (!as.version.startsWith('0.14.')) {
    throw new CliError(
      `assemblyscript ${as.version} found at ${as.packageDir}, but @solo-io/proxy-runtime ${PROXY_RUNTIME_VERSION} compiles only with assemblyscript 0.14.x`,
      ExitCode.failure,
      installHint(projectDir),
    );
  }
  const rt = findPackage('@solo-io/proxy-runtime', projectDir);
  if (!rt) throw new CliError('@solo-io/proxy-runtime not found (neither in the project nor beside the wasmfleet CLI)', ExitCode.failure, installHint(projectDir));
  const asc = path.join(as.packageDir, 'bin', 'asc');
  if (!existsSync(asc)) throw new CliError(`assemblyscript ${as.version} at ${as.packageDir} has no bin/asc`, ExitCode.failure, installHint(projectDir));
  return {
    asc,
    ascVersion: as.version,
    runtimeVersion: rt.version,
    runtimeModules: path.resolve(rt.packageDir, '..', '..'),
    from: { assemblyscript: as.from, runtime: rt.from },
  };
}

/** Compiles `entry` (relative to projectDir) to `outFile`; throws with the compiler's output on failure. */
export async function compileAssemblyScript(tc: AssemblyScriptToolchain, projectDir: string, entry: string, outFile: string): Promise<void> {
  const args = [tc.asc, entry, '-b', outFile, '--path', tc.runtimeModules, ...ASC_FLAGS];
  const r = await runTool(process.execPath, args, { cwd: projectDir, timeoutMs: COMPILE_TIMEOUT_MS });
  if (r.code !== 0 || !existsSync(outFile)) {
    const why = r.timedOut ? `did not finish within ${COMPILE_TIMEOUT_MS / 1000} s` : `exited with ${r.signal ?? r.code}`;
    throw new CliError(`asc (assemblyscript ${tc.ascVersion}) ${why} compiling ${entry}:\n${r.output.trim()}`, ExitCode.failure);
  }
}
