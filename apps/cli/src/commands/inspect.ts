// wasmfleet inspect <ref>: what an image holds, without running it: format, manifest digest, the module's sha256
// and size, its proxy-wasm ABI, exports and imports, and the root ids its image config declares.
import { downloadWasmModule, formatBytes, formatReference, RegistryClient, resolveWasmImage, withDigest } from '@wasmfleet/oci';
import type { Command } from 'commander';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { keyValues, listBlock } from '../output/text.js';
import { readModuleInfo } from '../project/module-info.js';
import { insecureOption, parseImageReference, registryOptions } from '../registry/registry-options.js';

interface InspectFlags {
  insecure?: boolean;
  output: OutputFormat;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The solo runtime config's ABI versions and root ids; undefined for other formats or an unreadable config. */
function declaredConfig(bytes: Buffer): { abiVersions: string[]; rootIds: string[] } | undefined {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { abiVersions?: unknown; config?: { rootIds?: unknown } };
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
    return { abiVersions: strings(doc.abiVersions), rootIds: strings(doc.config?.rootIds) };
  } catch {
    return undefined;
  }
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show what an image holds: format, digests, module sha256 and size, ABI, root ids, exports, imports')
    .argument('<ref>', 'image reference: oci://host[:port]/repository[:tag|@sha256:<hex>]')
    .addOption(insecureOption())
    .addOption(outputOption())
    .action(async (refText: string, flags: InspectFlags) => {
      const ref = parseImageReference(refText);
      const client = new RegistryClient(ref.registry, registryOptions(ref.registry, flags));
      let image;
      let bytes: Buffer;
      let config: ReturnType<typeof declaredConfig>;
      try {
        image = await resolveWasmImage(client, ref);
        bytes = await downloadWasmModule(client, image);
        if (image.wasm.format === 'solo') {
          config = declaredConfig(await client.getBlob(ref.repository, image.manifest.config, MAX_CONFIG_BYTES));
        }
      } finally {
        client.close();
      }
      const info = await readModuleInfo(bytes, formatReference(ref));
      const result = {
        reference: formatReference(ref),
        pinned: formatReference(withDigest(ref, image.manifestDigest)),
        format: image.wasm.format,
        manifestDigest: image.manifestDigest,
        imageDigest: image.imageDigest,
        mediaTypes: { manifest: image.manifest.mediaType, config: image.manifest.config.mediaType, layer: image.wasm.layer.mediaType },
        module: { sha256: info.sha256, size: info.size },
        abi: info.abi ?? null,
        rootIds: config?.rootIds ?? [],
        declaredAbiVersions: config?.abiVersions ?? [],
        annotations: image.manifest.annotations ?? {},
        exports: info.exports,
        imports: info.imports,
      };
      await printResult(flags.output, result, () =>
        [
          result.reference,
          keyValues(
            [
              ['format', result.format],
              ['manifest digest', result.manifestDigest],
              ['image digest', result.imageDigest !== result.manifestDigest ? result.imageDigest : undefined],
              ['module sha256', info.sha256],
              ['size', `${formatBytes(info.size)} (${info.size} bytes)`],
              ['abi', info.abi ?? '(none: not a proxy-wasm module)'],
              ['root ids', result.rootIds.join(', ') || '(not declared)'],
              ['pin with', result.pinned],
            ],
            '  ',
          ),
          listBlock('exports', info.exports),
          listBlock('imports', info.imports),
        ].join('\n'),
      );
    });
}
