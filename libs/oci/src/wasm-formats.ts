// The three ways a Wasm module travels in an OCI image, and how to find and unpack it:
//  - solo:   solo-io/wasm image spec: config application/vnd.module.wasm.config.v1+json, one content layer
//            application/vnd.module.wasm.content.layer.v1+wasm holding the module bytes
//  - compat: the last layer is a tar(+gzip) holding plugin.wasm (what `docker build FROM scratch` makes)
//  - cncf:   the CNCF Wasm OCI artifact: config application/vnd.wasm.config.v0+json, layer application/wasm
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { OciError } from './errors.js';
import { formatBytes } from './format-bytes.js';
import type { ImageManifest } from './manifest.js';
import { MediaTypes, TAR_LAYER_TYPES } from './media-types.js';
import type { Descriptor } from './registry-client.js';
import { normalizeTarPath, readTar } from './tar.js';

export type WasmImageFormat = 'solo' | 'compat' | 'cncf';

export const WASM_FORMATS: readonly WasmImageFormat[] = ['solo', 'compat', 'cncf'];

export interface WasmLayer {
  format: WasmImageFormat;
  layer: Descriptor;
}

/** The file the compat format keeps the module in. */
export const COMPAT_MODULE_FILE = 'plugin.wasm';
/** Room in a compat layer for tar headers and small companions such as runtime-config.json. */
const TAR_OVERHEAD_BYTES = 1024 * 1024;

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

/** Finds which format a manifest uses and which layer holds the module; throws not-wasm otherwise. */
export function detectWasmLayer(manifest: ImageManifest, what: string): WasmLayer {
  const { config, layers } = manifest;
  const solo = layers.filter((l) => l.mediaType === MediaTypes.soloContentLayer);
  const cncf = layers.filter((l) => l.mediaType === MediaTypes.cncfLayer);
  if (config.mediaType === MediaTypes.soloConfig || solo.length > 0) {
    if (solo.length !== 1) throw notWasm(what, manifest, `a solo Wasm image needs exactly one ${MediaTypes.soloContentLayer} layer, found ${solo.length}`);
    return { format: 'solo', layer: solo[0]! };
  }
  if (config.mediaType === MediaTypes.cncfConfig || cncf.length > 0) {
    if (cncf.length !== 1) throw notWasm(what, manifest, `a Wasm artifact with ${cncf.length} ${MediaTypes.cncfLayer} layers is not a single module`);
    return { format: 'cncf', layer: cncf[0]! };
  }
  const last = layers.at(-1);
  if (last && TAR_LAYER_TYPES.has(last.mediaType)) return { format: 'compat', layer: last };
  throw notWasm(what, manifest, 'no layer holds a Wasm module');
}

function notWasm(what: string, manifest: ImageManifest, why: string): OciError {
  const types = [`config ${manifest.config.mediaType}`, ...manifest.layers.map((l) => l.mediaType)].join(', ');
  return new OciError(
    'not-wasm',
    `${what} is not a Wasm module image: ${why} (has ${types}). Push the module with \`wasmfleet push\`, or build a compat image with ${COMPAT_MODULE_FILE} in its last layer`,
  );
}

/** How many bytes the layer blob itself may have. */
export function layerByteLimit(format: WasmImageFormat, maxModuleBytes: number): number {
  return format === 'compat' ? maxModuleBytes + TAR_OVERHEAD_BYTES : maxModuleBytes;
}

/** The module bytes from a verified layer blob: as is, or plugin.wasm out of the compat tar(.gz). */
export async function extractModule(wasm: WasmLayer, blob: Buffer, maxModuleBytes: number, what: string): Promise<Buffer> {
  let module = blob;
  if (wasm.format === 'compat') {
    let tar = blob;
    if (blob[0] === 0x1f && blob[1] === 0x8b) {
      try {
        tar = await promisify(zlib.gunzip)(blob, { maxOutputLength: maxModuleBytes + TAR_OVERHEAD_BYTES });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new OciError('too-large', `${what}: the compat layer unpacks to more than ${formatBytes(maxModuleBytes + TAR_OVERHEAD_BYTES)}: raise maxModuleBytes if this size is expected`);
        }
        throw new OciError('not-wasm', `${what}: the compat layer is not valid gzip (${(err as Error).message}): rebuild the image`);
      }
    }
    const names: string[] = [];
    let found: Buffer | undefined;
    for (const entry of readTar(tar)) {
      names.push(entry.name);
      if (normalizeTarPath(entry.name) === COMPAT_MODULE_FILE && entry.type === '0') found = entry.data;
    }
    if (!found) {
      throw new OciError('not-wasm', `${what}: the last layer has no ${COMPAT_MODULE_FILE} (it holds ${names.slice(0, 10).join(', ') || 'nothing'}): a compat image keeps the module at /${COMPAT_MODULE_FILE}`);
    }
    module = found;
  }
  if (module.length > maxModuleBytes) {
    throw new OciError('too-large', `${what}: the module is ${formatBytes(module.length)}, over the limit of ${formatBytes(maxModuleBytes)}: raise maxModuleBytes if this size is expected`);
  }
  assertWasm(module, what);
  return module;
}

/** Every module must start with the Wasm magic `\0asm`. */
export function assertWasm(bytes: Uint8Array, what: string): void {
  if (bytes.length < 8 || !WASM_MAGIC.equals(bytes.subarray(0, 4))) {
    const head = Buffer.from(bytes.subarray(0, 4)).toString('hex') || 'empty';
    throw new OciError('not-wasm', `${what} is not a WebAssembly module: it does not start with the magic \\0asm (starts with 0x${head}): check that the right file was pushed`);
  }
}
