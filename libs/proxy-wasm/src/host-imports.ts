// Assembles the import object for one VM: only the functions the module imports, plus the metering
// hook. A host function that meets a pointer outside linear memory answers INVALID_MEMORY_ACCESS
// (WASI functions: EFAULT) instead of trapping, as proxy-wasm-cpp-host does.

import { WasmResult } from './abi-constants.js';
import { GuestMemoryError } from './guest-memory.js';
import { PairsFormatError } from './pairs-codec.js';
import { coreHostCalls } from './host-calls-core.js';
import { httpHostCalls } from './host-calls-http.js';
import { sharedHostCalls } from './host-calls-shared.js';
import { wasiCalls, WASI_EFAULT } from './wasi-calls.js';
import { METER_IMPORT_MODULE, METER_IMPORT_NAME } from './metering-rewriter.js';
import { WASI_MODULES, type EnvFunctionName, type WasiFunctionName } from './host-function-names.js';
import type { FilterVm } from './filter-vm.js';

// Host functions receive i32 arguments as numbers and i64 arguments as bigints.
export type HostFunction = (...args: any[]) => number | void;

/**
 * `fn`, answering `memoryFault` or PARSE_FAILURE for bad guest data. The wrapper names twelve parameters,
 * the most any host function takes (proxy_grpc_call): a rest parameter would cost an array and a spread
 * call on every host call.
 */
function guarded(fn: HostFunction, memoryFault: number): HostFunction {
  return (a, b, c, d, e, f, g, h, i, j, k, l) => {
    try {
      return fn(a, b, c, d, e, f, g, h, i, j, k, l);
    } catch (err) {
      if (err instanceof GuestMemoryError) return memoryFault;
      if (err instanceof PairsFormatError) return WasmResult.ParseFailure;
      throw err;
    }
  };
}

export function buildImports(vm: FilterVm, wanted: WebAssembly.ModuleImportDescriptor[]): WebAssembly.Imports {
  const env: Record<EnvFunctionName, HostFunction> = { ...coreHostCalls(vm), ...httpHostCalls(vm), ...sharedHostCalls(vm) };
  const wasi: Record<WasiFunctionName, HostFunction> = wasiCalls(vm);
  const imports: WebAssembly.Imports = { [METER_IMPORT_MODULE]: { [METER_IMPORT_NAME]: vm.budget.refuel } };
  for (const { module, name } of wanted) {
    let fn: HostFunction | undefined;
    if (module === 'env') fn = env[name as EnvFunctionName] && guarded(env[name as EnvFunctionName], WasmResult.InvalidMemoryAccess);
    else if ((WASI_MODULES as readonly string[]).includes(module)) fn = wasi[name as WasiFunctionName] && guarded(wasi[name as WasiFunctionName], WASI_EFAULT);
    if (!fn) continue; // the metering import itself, or one refused at load
    (imports[module] ??= {})[name] = fn;
  }
  return imports;
}
