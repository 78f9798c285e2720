// wasmfleet build [--dir]: compiles the project to <out>/<name>.wasm, checks that a proxy-wasm host can load it
// (ABI export, allocator, host imports), and writes <out>/<name>.image-config.json (ABI versions read from the
// module's exports, the root id) for `push`.
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '@wasmfleet/oci';
import type { Command } from 'commander';
import { verificationError } from '../cli-error.js';
import { note, outputOption, printResult, type OutputFormat } from '../output/format.js';
import { keyValues } from '../output/text.js';
import { compileAssemblyScript, findAssemblyScript } from '../project/assemblyscript-toolchain.js';
import { compileC, findCToolchain } from '../project/c-toolchain.js';
import { imageConfigFor, writeImageConfig } from '../project/image-config.js';
import { readModuleInfo } from '../project/module-info.js';
import { loadProject, projectOutputs, type Project } from '../project/project-file.js';

interface BuildFlags {
  dir: string;
  output: OutputFormat;
}

async function compile(project: Project, outFile: string): Promise<string> {
  if (project.lang === 'c') {
    const tc = findCToolchain();
    await compileC(tc, project.dir, project.entry, outFile);
    return `${path.basename(tc.cc)} + ${path.basename(tc.ld)}`;
  }
  const tc = findAssemblyScript(project.dir);
  await compileAssemblyScript(tc, project.dir, project.entry, outFile);
  return `assemblyscript ${tc.ascVersion} (${tc.from.assemblyscript === 'cli' ? 'beside the CLI' : 'project'}) + @solo-io/proxy-runtime ${tc.runtimeVersion}`;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('compile the project to <out>/<name>.wasm and write its image config')
    .option('-d, --dir <dir>', 'project directory (holding wasmfleet.yaml)', '.')
    .addOption(outputOption())
    .action(async (flags: BuildFlags) => {
      const started = Date.now();
      const project = await loadProject(flags.dir);
      const outputs = projectOutputs(project);
      mkdirSync(path.dirname(outputs.module), { recursive: true });
      const tmp = path.join(path.dirname(outputs.module), `.${project.name}.tmp-${process.pid}.wasm`);
      let toolchain: string;
      try {
        toolchain = await compile(project, tmp);
        renameSync(tmp, outputs.module);
      } finally {
        rmSync(tmp, { force: true });
      }
      const bytes = readFileSync(outputs.module);
      const info = await readModuleInfo(bytes, outputs.module);
      if (!info.abi) throw verificationError(`${outputs.module} exports no proxy_abi_version_* function`, 'a proxy-wasm filter must export its ABI version; build it with a proxy-wasm SDK');
      // Refuses what a proxy-wasm host could not load (imports it does not provide, no allocator), as a proxy would.
      const { loadFilterModule } = await import('@wasmfleet/proxy-wasm');
      const loaded = await loadFilterModule(bytes);
      for (const w of loaded.warnings) note(`warning: ${w}`);
      const imageConfig = imageConfigFor(info.abiVersions, [project.rootId]);
      writeImageConfig(outputs.imageConfig, imageConfig);
      const ms = Date.now() - started;
      const rel = (p: string) => path.relative(process.cwd(), p) || p;
      await printResult(
        flags.output,
        { name: project.name, module: outputs.module, imageConfig: outputs.imageConfig, sha256: info.sha256, size: info.size, abi: info.abi, rootIds: [project.rootId], toolchain, ms },
        () =>
          `built ${rel(outputs.module)}\n${keyValues(
            [
              ['size', formatBytes(info.size)],
              ['sha256', info.sha256],
              ['abi', info.abi],
              ['root id', project.rootId],
              ['image config', rel(outputs.imageConfig)],
              ['toolchain', toolchain],
              ['time', `${(ms / 1000).toFixed(1)} s`],
            ],
            '  ',
          )}`,
      );
    });
}
