// Host functions for logging, time, ticks, properties, configuration, buffers, contexts and the
// calls this host does not implement (gRPC, foreign functions).

import { BufferType, LOG_LEVELS, WasmResult } from './abi-constants.js';
import { lookupProperty, propertyPath } from './well-known-properties.js';
import type { FilterVm } from './filter-vm.js';

/** The buffer a buffer call names in the current context, or undefined (NOT_FOUND). */
function buffer(vm: FilterVm, type: number): Uint8Array | undefined {
  const s = vm.stream();
  switch (type) {
    case BufferType.HttpRequestBody:
      return s?.requestBody;
    case BufferType.HttpResponseBody:
      return s?.direction === 'response' ? s.responseBody : undefined;
    case BufferType.HttpCallResponseBody:
      return vm.calloutResponse?.body;
    case BufferType.VmConfiguration:
      return vm.services.vmConfig;
    case BufferType.PluginConfiguration:
      return vm.services.pluginConfig;
    default:
      return undefined;
  }
}

/** Replaces [start, start + length) of `data` with `insert` (start past the end appends). */
function splice(data: Uint8Array, start: number, length: number, insert: Uint8Array): Uint8Array {
  const from = Math.min(start, data.length);
  const to = Math.min(from + length, data.length);
  const out = new Uint8Array(data.length - (to - from) + insert.length);
  out.set(data.subarray(0, from), 0);
  out.set(insert, from);
  out.set(data.subarray(to), from + insert.length);
  return out;
}

export function coreHostCalls(vm: FilterVm) {
  const { mem, services } = vm;
  const Ok = WasmResult.Ok;
  const propertyScope = () => ({
    plugin: services.plugin,
    overrides: services.overrides,
    rootProperties: vm.root.properties,
    context: vm.context(),
    nowNanos: services.nowNanos,
  });

  return {
    proxy_log(level: number, ptr: number, size: number) {
      if (level >= LOG_LEVELS.length) return WasmResult.BadArgument;
      if (level >= services.logLevel) vm.log(LOG_LEVELS[level]!, mem.utf8(ptr, size));
      return Ok;
    },
    proxy_get_log_level(levelPtr: number) {
      mem.setU32(levelPtr, services.logLevel);
      return Ok;
    },
    proxy_get_current_time_nanoseconds(resultPtr: number) {
      mem.setU64(resultPtr, services.nowNanos());
      return Ok;
    },
    proxy_set_tick_period_milliseconds(periodMs: number) {
      vm.setTickPeriod(periodMs >>> 0);
      return Ok;
    },
    proxy_get_property(pathPtr: number, pathSize: number, valuePtrPtr: number, valueSizePtr: number) {
      const value = lookupProperty(propertyPath(mem.peek(pathPtr, pathSize)), propertyScope());
      if (value === undefined) return WasmResult.NotFound;
      mem.give(value, valuePtrPtr, valueSizePtr);
      return Ok;
    },
    proxy_set_property(pathPtr: number, pathSize: number, valuePtr: number, valueSize: number) {
      const path = propertyPath(mem.peek(pathPtr, pathSize)).join('.');
      vm.context().setProperty(path, mem.bytes(valuePtr, valueSize));
      return Ok;
    },
    /** ABI 0.1.0: the VM configuration during on_vm_start, the plugin configuration afterwards. */
    proxy_get_configuration(ptrPtr: number, sizePtr: number) {
      mem.give(vm.configPhase === 'vm-start' ? services.vmConfig : services.pluginConfig, ptrPtr, sizePtr);
      return Ok;
    },
    proxy_get_status(codePtr: number, messagePtrPtr: number, messageSizePtr: number) {
      mem.setU32(codePtr, vm.calloutResponse?.status ?? 0);
      mem.give(new Uint8Array(0), messagePtrPtr, messageSizePtr);
      return Ok;
    },
    proxy_get_buffer_bytes(type: number, start: number, maxSize: number, ptrPtr: number, sizePtr: number) {
      const data = buffer(vm, type);
      if (!data) return WasmResult.NotFound;
      const from = Math.min(start >>> 0, data.length);
      mem.give(data.subarray(from, Math.min(from + (maxSize >>> 0), data.length)), ptrPtr, sizePtr);
      return Ok;
    },
    proxy_get_buffer_status(type: number, lengthPtr: number, flagsPtr: number) {
      const data = buffer(vm, type);
      if (!data) return WasmResult.NotFound;
      mem.setU32(lengthPtr, data.length);
      mem.setU32(flagsPtr, 0);
      return Ok;
    },
    proxy_set_buffer_bytes(type: number, start: number, length: number, dataPtr: number, dataSize: number) {
      const s = vm.stream();
      const insert = mem.bytes(dataPtr, dataSize);
      if (type === BufferType.HttpRequestBody && s) {
        s.requestBody = splice(s.requestBody, start >>> 0, length >>> 0, insert);
      } else if (type === BufferType.HttpResponseBody && s?.direction === 'response') {
        s.responseBody = splice(s.responseBody, start >>> 0, length >>> 0, insert);
      } else {
        return buffer(vm, type) ? WasmResult.BadArgument : WasmResult.NotFound; // read-only or absent
      }
      return Ok;
    },
    proxy_set_effective_context(contextId: number) {
      return vm.setEffectiveContext(contextId >>> 0) ? Ok : WasmResult.BadArgument;
    },
    proxy_done() {
      return vm.markDone() ? Ok : WasmResult.NotFound;
    },
    /** No foreign functions are registered; Envoy answers NOT_FOUND for an unknown name. */
    proxy_call_foreign_function() {
      return WasmResult.NotFound;
    },
    proxy_grpc_call: () => WasmResult.Unimplemented,
    proxy_grpc_stream: () => WasmResult.Unimplemented,
    proxy_grpc_send: () => WasmResult.Unimplemented,
    proxy_grpc_cancel: () => WasmResult.Unimplemented,
    proxy_grpc_close: () => WasmResult.Unimplemented,
    pthread_equal: (left: number, right: number) => (left === right ? 1 : 0),
    emscripten_notify_memory_growth: () => undefined,
  };
}
