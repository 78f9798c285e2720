// Loading a filter module: magic check, compile, ABI detection, import check, metering. Everything
// here is static, so the server can run it to validate a module before any proxy sees it.

import { createHash } from 'node:crypto';
import { ABI_EXPORTS } from './abi-constants.js';
import { WasmFilterError } from './errors.js';
import { envoyAbiWarnings, hostProvides } from './host-function-names.js';
import { addMetering } from './metering-rewriter.js';
import { FUEL_CHUNK } from './callback-budget.js';
import { hasWasmMagic } from './wasm-sections.js';
import type { AbiVersion, FilterModule } from './types.js';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The newest ABI the module declares, or undefined. */
export function detectAbi(exportNames: readonly string[]): AbiVersion | undefined {
  const found = Object.entries(ABI_EXPORTS)
    .filter(([name]) => exportNames.includes(name))
    .map(([, version]) => version);
  return found.sort().at(-1);
}

function checkImports(imports: WebAssembly.ModuleImportDescriptor[]): void {
  const missing = imports.filter((i) => i.kind !== 'function' || !hostProvides(i.module, i.name));
  if (missing.length === 0) return;
  const describe = (i: WebAssembly.ModuleImportDescriptor) =>
    i.kind === 'function' ? `${i.module}.${i.name}` : `${i.module}.${i.name} (a ${i.kind})`;
  const [first, ...rest] = missing;
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map(describe).join(', ')})` : '';
  throw new WasmFilterError(
    'missing-import',
    `module imports ${describe(first!)}, which this host does not provide${more}; ` +
      'proxy-wasm filters may import only proxy-wasm host functions from "env" and WASI functions',
  );
}

export async function loadFilterModule(bytes: Uint8Array): Promise<FilterModule> {
  if (!hasWasmMagic(bytes)) {
    throw new WasmFilterError(
      'not-wasm',
      `not a Wasm module: expected the magic bytes 00 61 73 6d, found ${hex(bytes.subarray(0, 4)) || 'no data'} ` +
        `(${bytes.length} bytes in all)`,
    );
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (err) {
    throw new WasmFilterError('compile', `the module does not compile: ${errorText(err)}`);
  }
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  const abi = detectAbi(exports);
  if (!abi) {
    throw new WasmFilterError(
      'no-abi',
      `the module exports no proxy_abi_version_* function (expected one of ${Object.keys(ABI_EXPORTS).join(', ')}); ` +
        'build it with a proxy-wasm SDK',
    );
  }
  const importList = WebAssembly.Module.imports(module);
  checkImports(importList);

  let metered: WebAssembly.Module;
  try {
    metered = await WebAssembly.compile(addMetering(bytes, FUEL_CHUNK));
  } catch (err) {
    throw new WasmFilterError('compile', `cannot add execution metering to the module: ${errorText(err)}`);
  }
  const imports = importList.map(({ module: m, name }) => ({ module: m, name }));
  return {
    module,
    metered,
    abi,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    exports,
    imports,
    warnings: envoyAbiWarnings(abi, imports),
  };
}
