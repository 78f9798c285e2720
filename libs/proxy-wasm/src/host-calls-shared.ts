// Host functions for shared data, shared queues and metrics.

import { WasmResult } from './abi-constants.js';
import type { FilterVm } from './filter-vm.js';

export function sharedHostCalls(vm: FilterVm) {
  const { mem, services } = vm;
  const { shared, metrics } = services;
  const vmId = services.plugin.vmId;
  const Ok = WasmResult.Ok;

  return {
    proxy_get_shared_data(keyPtr: number, keySize: number, valuePtrPtr: number, valueSizePtr: number, casPtr: number) {
      const entry = shared.getData(vmId, mem.utf8(keyPtr, keySize));
      if (!entry) return WasmResult.NotFound;
      mem.give(entry.value, valuePtrPtr, valueSizePtr);
      mem.setU32(casPtr, entry.cas);
      return Ok;
    },
    proxy_set_shared_data(keyPtr: number, keySize: number, valuePtr: number, valueSize: number, cas: number) {
      return shared.setData(vmId, mem.utf8(keyPtr, keySize), mem.bytes(valuePtr, valueSize), cas >>> 0);
    },
    proxy_register_shared_queue(namePtr: number, nameSize: number, tokenPtr: number) {
      mem.setU32(tokenPtr, shared.registerQueue(vmId, mem.utf8(namePtr, nameSize), vm));
      return Ok;
    },
    proxy_resolve_shared_queue(vmIdPtr: number, vmIdSize: number, namePtr: number, nameSize: number, tokenPtr: number) {
      const token = shared.resolveQueue(mem.utf8(vmIdPtr, vmIdSize), mem.utf8(namePtr, nameSize));
      if (token === undefined) return WasmResult.NotFound;
      mem.setU32(tokenPtr, token);
      return Ok;
    },
    proxy_enqueue_shared_queue(token: number, valuePtr: number, valueSize: number) {
      return shared.enqueue(token >>> 0, mem.bytes(valuePtr, valueSize));
    },
    proxy_dequeue_shared_queue(token: number, valuePtrPtr: number, valueSizePtr: number) {
      const { status, value } = shared.dequeue(token >>> 0);
      if (value) mem.give(value, valuePtrPtr, valueSizePtr);
      return status;
    },
    proxy_define_metric(type: number, namePtr: number, nameSize: number, idPtr: number) {
      const { status, id } = metrics.define(type >>> 0, mem.utf8(namePtr, nameSize));
      if (id !== undefined) mem.setU32(idPtr, id);
      return status;
    },
    proxy_increment_metric(id: number, offset: bigint) {
      return metrics.increment(id >>> 0, BigInt(offset));
    },
    proxy_record_metric(id: number, value: bigint) {
      return metrics.record(id >>> 0, BigInt.asUintN(64, BigInt(value)));
    },
    proxy_get_metric(id: number, resultPtr: number) {
      const { status, value } = metrics.get(id >>> 0);
      if (value !== undefined) mem.setU64(resultPtr, value);
      return status;
    },
  };
}
