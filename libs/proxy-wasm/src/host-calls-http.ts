// Host functions for HTTP streams: header maps, local responses, continue/close, route cache, and
// proxy_http_call.

import { MapType, StreamType, WasmResult } from './abi-constants.js';
import { HeaderMap } from './header-map.js';
import { decodePairs } from './pairs-codec.js';
import { missingCalloutHeader } from './http-callout.js';
import type { FilterVm } from './filter-vm.js';
import type { Direction } from './stream-context.js';

/** The header map a map call names in the current context, or undefined (NOT_FOUND). */
function headerMap(vm: FilterVm, type: number): HeaderMap | undefined {
  const s = vm.stream();
  switch (type) {
    case MapType.HttpRequestHeaders:
      return s?.requestHeaders;
    case MapType.HttpRequestTrailers:
      return s?.requestTrailers;
    case MapType.HttpResponseHeaders:
      return s?.direction === 'response' ? s.responseHeaders : undefined;
    case MapType.HttpResponseTrailers:
      return s?.direction === 'response' ? s.responseTrailers : undefined;
    case MapType.HttpCallResponseHeaders:
      return vm.calloutResponse && new HeaderMap(vm.calloutResponse.headers);
    case MapType.HttpCallResponseTrailers:
      return vm.calloutResponse && new HeaderMap(vm.calloutResponse.trailers);
    default:
      return undefined;
  }
}

function direction(streamType: number): Direction | undefined {
  if (streamType === StreamType.Request) return 'request';
  if (streamType === StreamType.Response) return 'response';
  return undefined;
}

const NO_GRPC_STATUS = 0xffffffff;

export function httpHostCalls(vm: FilterVm) {
  const { mem, services } = vm;
  const Ok = WasmResult.Ok;

  const continueStream = (dir: Direction | undefined) => {
    const s = vm.stream();
    if (!s) return WasmResult.NotFound;
    if (!dir) return WasmResult.Unimplemented; // downstream/upstream: network filters only
    s.resume(dir);
    return Ok;
  };

  return {
    proxy_get_header_map_pairs(type: number, ptrPtr: number, sizePtr: number) {
      const map = headerMap(vm, type);
      if (!map) return WasmResult.NotFound;
      mem.givePairs(map.entries, ptrPtr, sizePtr);
      return Ok;
    },
    proxy_set_header_map_pairs(type: number, ptr: number, size: number) {
      const map = headerMap(vm, type);
      if (!map || type >= MapType.HttpCallResponseHeaders) return WasmResult.NotFound;
      map.setAll(decodePairs(mem.peek(ptr, size)));
      return Ok;
    },
    proxy_get_header_map_size(type: number, sizePtr: number) {
      const map = headerMap(vm, type);
      if (!map) return WasmResult.NotFound;
      mem.setU32(sizePtr, map.byteSize());
      return Ok;
    },
    proxy_get_header_map_value(type: number, keyPtr: number, keySize: number, valuePtrPtr: number, valueSizePtr: number) {
      const map = headerMap(vm, type);
      if (!map) return WasmResult.NotFound;
      const value = map.get(mem.latin1(keyPtr, keySize));
      if (value === undefined) {
        if (vm.abi !== '0.1.0') return WasmResult.NotFound;
        mem.give(new Uint8Array(0), valuePtrPtr, valueSizePtr); // 0.1.0 answered an empty value
        return Ok;
      }
      mem.giveLatin1(value, valuePtrPtr, valueSizePtr);
      return Ok;
    },
    proxy_add_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number) {
      const map = headerMap(vm, type);
      if (!map || type >= MapType.HttpCallResponseHeaders) return WasmResult.NotFound;
      map.add(mem.latin1(keyPtr, keySize), mem.latin1(valuePtr, valueSize));
      return Ok;
    },
    proxy_replace_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number) {
      const map = headerMap(vm, type);
      if (!map || type >= MapType.HttpCallResponseHeaders) return WasmResult.NotFound;
      map.replace(mem.latin1(keyPtr, keySize), mem.latin1(valuePtr, valueSize));
      return Ok;
    },
    proxy_remove_header_map_value(type: number, keyPtr: number, keySize: number) {
      const map = headerMap(vm, type);
      if (!map || type >= MapType.HttpCallResponseHeaders) return WasmResult.NotFound;
      map.remove(mem.latin1(keyPtr, keySize));
      return Ok;
    },
    proxy_send_local_response(
      status: number, detailsPtr: number, detailsSize: number, bodyPtr: number, bodySize: number,
      headersPtr: number, headersSize: number, grpcStatus: number,
    ) {
      const s = vm.stream();
      if (!s) return WasmResult.NotFound;
      const headers = decodePairs(mem.peek(headersPtr, headersSize));
      if (grpcStatus >>> 0 !== NO_GRPC_STATUS) headers.push(['grpc-status', String(grpcStatus >>> 0)]);
      // The first reply wins, as in Envoy, where the stream is over once a local reply is sent.
      s.localReply ??= { status: status >>> 0, details: mem.utf8(detailsPtr, detailsSize), body: mem.bytes(bodyPtr, bodySize), headers };
      s.wake();
      return Ok;
    },
    proxy_continue_stream: (streamType: number) => continueStream(direction(streamType)),
    proxy_continue_request: () => continueStream('request'),
    proxy_continue_response: () => continueStream('response'),
    proxy_close_stream(streamType: number) {
      const s = vm.stream();
      if (!s) return WasmResult.NotFound;
      if (!direction(streamType)) return WasmResult.Unimplemented;
      s.closed = true;
      s.wake();
      return Ok;
    },
    proxy_clear_route_cache() {
      return Ok; // routes are the proxy's business; nothing is cached here
    },
    proxy_http_call(
      clusterPtr: number, clusterSize: number, headersPtr: number, headersSize: number, bodyPtr: number,
      bodySize: number, _trailersPtr: number, _trailersSize: number, timeoutMs: number, tokenPtr: number,
    ) {
      const cluster = mem.utf8(clusterPtr, clusterSize);
      const headers = decodePairs(mem.peek(headersPtr, headersSize));
      const body = mem.bytes(bodyPtr, bodySize);
      mem.setU32(tokenPtr, 0); // checks the pointer before anything starts
      const missing = missingCalloutHeader(headers);
      if (missing) {
        vm.log('error', `proxy_http_call to "${cluster}" lacks the ${missing} header`);
        return WasmResult.BadArgument;
      }
      const baseUrl = services.httpCallTarget?.(cluster);
      if (!baseUrl) {
        vm.log('error', `proxy_http_call: unknown cluster "${cluster}"`);
        return WasmResult.BadArgument;
      }
      mem.setU32(tokenPtr, vm.startCallout({ baseUrl, headers, body, timeoutMs: timeoutMs >>> 0 }));
      return Ok;
    },
  };
}
