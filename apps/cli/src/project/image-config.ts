// The image config `build` writes beside the module and `push` uploads with it: the solo-io/wasm runtime config
// (`{"type": "envoy_proxy", "abiVersions": ["v0.2.0"], "config": {"rootIds": ["my_filter"]}}`), which tells a
// registry reader which ABI the module speaks and which root ids it registers without running it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { usageError } from '../cli-error.js';

export interface ImageConfig {
  type: 'envoy_proxy';
  abiVersions: string[];
  config: { rootIds: string[] };
}

/** `0.2.1` → `v0.2.1`, the spelling of the solo runtime config. */
export const abiTag = (abi: string) => `v${abi}`;

export function imageConfigFor(abiVersions: readonly string[], rootIds: readonly string[]): ImageConfig {
  return { type: 'envoy_proxy', abiVersions: abiVersions.map(abiTag), config: { rootIds: [...rootIds] } };
}

/** undefined when the file does not exist; a usage error when it is not an image config. */
export function readImageConfig(file: string): ImageConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const bad = () => usageError(`${file} is not an image config`, 'expected {"type":"envoy_proxy","abiVersions":[...],"config":{"rootIds":[...]}}; rebuild with `wasmfleet build` or delete it');
  let doc: Partial<ImageConfig>;
  try {
    doc = JSON.parse(text) as Partial<ImageConfig>;
  } catch {
    throw bad();
  }
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (doc?.type !== 'envoy_proxy' || !strings(doc.abiVersions) || !strings(doc.config?.rootIds)) throw bad();
  return { type: 'envoy_proxy', abiVersions: doc.abiVersions!, config: { rootIds: doc.config!.rootIds } };
}

export function writeImageConfig(file: string, config: ImageConfig): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(tmp, file);
}
