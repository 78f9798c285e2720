// What a module declares about itself, read statically (compiled, never run): its proxy-wasm ABI from the
// proxy_abi_version_* exports, and its exports and imports. Used by build, push and inspect.
import { createHash } from 'node:crypto';
import type { AbiVersion } from '@wasmfleet/proxy-wasm';
import { verificationError } from '../cli-error.js';

export interface ModuleInfo {
  sha256: string;
  size: number;
  /** the newest proxy-wasm ABI the module exports, if any */
  abi?: AbiVersion;
  /** every proxy_abi_version_* export, as ABI versions */
  abiVersions: string[];
  exports: string[];
  /** `module.name` */
  imports: string[];
}

const ABI_EXPORT_RE = /^proxy_abi_version_(\d+)_(\d+)_(\d+)$/;

export async function readModuleInfo(bytes: Uint8Array, what: string): Promise<ModuleInfo> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (err) {
    throw verificationError(`${what} is not a valid WebAssembly module: ${(err as Error).message}`);
  }
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
  const abiVersions = exports.flatMap((name) => {
    const m = ABI_EXPORT_RE.exec(name);
    return m ? [`${m[1]}.${m[2]}.${m[3]}`] : [];
  });
  const abi = newestKnownAbi(abiVersions);
  const info: ModuleInfo = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, abiVersions, exports, imports };
  if (abi) info.abi = abi;
  return info;
}

const KNOWN_ABIS: readonly AbiVersion[] = ['0.1.0', '0.2.0', '0.2.1'];

/** The newest ABI the host speaks among those exported (as the host picks it). */
function newestKnownAbi(versions: readonly string[]): AbiVersion | undefined {
  return KNOWN_ABIS.filter((v) => versions.includes(v)).at(-1);
}
