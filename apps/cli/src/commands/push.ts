// wasmfleet push <ref> [--file f.wasm] [--format solo|compat|cncf]: uploads a module as an OCI image. Without
// --file it pushes the project's build output; the image config (ABI versions, root ids) comes from the
// <name>.image-config.json that `build` wrote beside the module, else from the module's own exports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatBytes, formatReference, pushModule, WASM_FORMATS, withDigest, type WasmImageFormat } from '@wasmfleet/oci';
import { Option, type Command } from 'commander';
import { notFoundError, usageError } from '../cli-error.js';
import { note, outputOption, printResult, type OutputFormat } from '../output/format.js';
import { transferProgress } from '../output/progress.js';
import { keyValues } from '../output/text.js';
import { readImageConfig } from '../project/image-config.js';
import { readModuleInfo } from '../project/module-info.js';
import { hasProject, imageConfigPathFor, loadProject, projectOutputs } from '../project/project-file.js';
import { insecureOption, parseImageReference, registryOptions } from '../registry/registry-options.js';

interface PushFlags {
  file?: string;
  dir: string;
  format: WasmImageFormat;
  rootId?: string[];
  insecure?: boolean;
  progress: boolean;
  output: OutputFormat;
}

const collect = (v: string, acc: string[] = []) => [...acc, v];

async function moduleToPush(flags: PushFlags): Promise<string> {
  if (flags.file) return path.resolve(flags.file);
  if (!hasProject(flags.dir)) throw usageError('nothing to push: no --file and no wasmfleet.yaml here', 'pass --file module.wasm, or run in a project directory (or --dir <project>)');
  return projectOutputs(await loadProject(flags.dir)).module;
}

export function register(program: Command): void {
  program
    .command('push')
    .description('push a module to an OCI registry')
    .argument('<ref>', 'image reference: oci://host[:port]/repository[:tag]')
    .option('-f, --file <module.wasm>', 'module to push (default: the project build output)')
    .option('-d, --dir <dir>', 'project directory when --file is not given', '.')
    .addOption(new Option('--format <format>', 'image format: solo (solo-io/wasm spec), compat (Istio/Docker plugin.wasm layer) or cncf (CNCF Wasm artifact)').choices(WASM_FORMATS).default('solo'))
    .option('--root-id <id>', 'root id to record in the image config (repeatable; default: from the image config beside the module)', collect)
    .addOption(insecureOption())
    .option('--no-progress', 'no progress on stderr')
    .addOption(outputOption())
    .action(async (refText: string, flags: PushFlags) => {
      const ref = parseImageReference(refText);
      const file = await moduleToPush(flags);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFoundError(`${file} does not exist`, flags.file ? undefined : 'run `wasmfleet build` first');
        throw err;
      }
      const info = await readModuleInfo(bytes, file);
      if (!info.abi) note(`warning: ${path.basename(file)} exports no proxy_abi_version_* function: proxies will refuse it`);
      const sidecar = readImageConfig(imageConfigPathFor(file));
      const rootIds = flags.rootId ?? sidecar?.config.rootIds ?? [];
      const abiVersions = sidecar?.abiVersions ?? info.abiVersions.map((v) => `v${v}`);
      const progress = transferProgress(`push ${path.basename(file)}`, { enabled: flags.progress });
      let result;
      try {
        result = await pushModule(ref, bytes, { ...registryOptions(ref.registry, flags), format: flags.format, rootIds, abiVersions, onProgress: progress.onProgress });
      } finally {
        progress.finish();
      }
      const pinned = formatReference(withDigest(ref, result.manifestDigest));
      await printResult(
        flags.output,
        {
          reference: formatReference(ref),
          pinned,
          manifestDigest: result.manifestDigest,
          format: result.format,
          sha256: result.sha256,
          size: bytes.length,
          abiVersions,
          rootIds,
          blobs: result.blobs,
        },
        () =>
          `pushed ${formatReference(ref)}\n${keyValues(
            [
              ['digest', result.manifestDigest],
              ['format', result.format],
              ['module sha256', result.sha256],
              ['size', formatBytes(bytes.length)],
              ['abi', abiVersions.join(', ') || '(none)'],
              ['root ids', rootIds.join(', ') || '(none)'],
              ['blobs', `layer ${result.blobs.layer}, config ${result.blobs.config}`],
              ['pin with', pinned],
            ],
            '  ',
          )}`,
      );
    });
}
