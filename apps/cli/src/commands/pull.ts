// wasmfleet pull <ref> [-o file] [--sha256 hex]: downloads a module from an OCI registry (any of the three image
// formats), verified against the registry's digests and, with --sha256, against the sha256 the caller expects
// (the module's, or the manifest digest as Istio takes it). Nothing is written unless every check passed.
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatBytes, formatReference, parseSha256Hex, pullModule, withDigest } from '@wasmfleet/oci';
import type { Command } from 'commander';
import { usageError, verificationError } from '../cli-error.js';
import { renderResult } from '../output/format.js';
import { transferProgress } from '../output/progress.js';
import { keyValues } from '../output/text.js';
import { insecureOption, parseImageReference, registryOptions } from '../registry/registry-options.js';

interface PullFlags {
  output?: string;
  sha256?: string;
  insecure?: boolean;
  progress: boolean;
  json?: boolean;
}

function writeAtomic(file: string, bytes: Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** -o as given; a directory gets <repository name>.wasm inside it. Checked before any download. */
function outputFile(output: string | undefined, defaultName: string): string {
  const target = path.resolve(output ?? defaultName);
  if (existsSync(target) && statSync(target).isDirectory()) return path.join(target, defaultName);
  if (!existsSync(path.dirname(target))) throw usageError(`cannot write ${target}: directory ${path.dirname(target)} does not exist`);
  return target;
}

export function register(program: Command): void {
  program
    .command('pull')
    .description('pull a module from an OCI registry')
    .argument('<ref>', 'image reference: oci://host[:port]/repository[:tag|@sha256:<hex>]')
    .option('-o, --output <file>', 'where to write the module, - for stdout (default: ./<repository name>.wasm)')
    .option('--sha256 <hex>', "expected sha256 of the module (or the manifest digest); a mismatch exits 5 and writes nothing")
    .addOption(insecureOption())
    .option('--no-progress', 'no progress on stderr')
    .option('--json', 'print the result as JSON')
    .action(async (refText: string, flags: PullFlags) => {
      const ref = parseImageReference(refText);
      let expected: string | undefined;
      if (flags.sha256 !== undefined) {
        try {
          expected = parseSha256Hex(flags.sha256);
        } catch {
          throw usageError(`--sha256 "${flags.sha256}" is not a sha256`, 'give 64 hex characters, optionally prefixed with sha256:');
        }
      }
      const toStdout = flags.output === '-';
      const file = toStdout ? '-' : outputFile(flags.output, `${ref.repository.split('/').at(-1)}.wasm`);
      const progress = transferProgress(`pull ${ref.repository}`, { enabled: flags.progress });
      let pulled;
      try {
        pulled = await pullModule(ref, { ...registryOptions(ref.registry, flags), onProgress: progress.onProgress });
      } finally {
        progress.finish();
      }
      if (expected && expected !== pulled.sha256 && `sha256:${expected}` !== pulled.manifestDigest) {
        throw verificationError(
          `${formatReference(ref)}: expected sha256 ${expected}, but the module's sha256 is ${pulled.sha256} and the manifest digest ${pulled.manifestDigest}; nothing was written`,
          'the tag moved or the expected sha256 is wrong: pull by digest to get exactly the module you reviewed',
        );
      }
      if (toStdout) process.stdout.write(pulled.bytes);
      else writeAtomic(file, pulled.bytes);
      const result = {
        reference: formatReference(ref),
        pinned: formatReference(withDigest(ref, pulled.manifestDigest)),
        manifestDigest: pulled.manifestDigest,
        format: pulled.format,
        sha256: pulled.sha256,
        size: pulled.size,
        file,
      };
      const text = await renderResult(flags.json ? 'json' : 'text', result, () =>
        `pulled ${result.reference}${toStdout ? '' : ` → ${path.relative(process.cwd(), file) || file}`}\n${keyValues(
          [
            ['digest', result.manifestDigest],
            ['format', result.format],
            ['module sha256', result.sha256],
            ['size', formatBytes(result.size)],
          ],
          '  ',
        )}`,
      );
      // The module itself may be on stdout: the summary then goes to stderr.
      (toStdout ? process.stderr : process.stdout).write(text);
    });
}
