// The module's exports for a proxy-wasm host (ABI 0.2.0), routed through our context registry
// (contexts.ts) rather than the SDK's. A filter's entry file does `export * from` this file instead of
// "@solo-io/proxy-runtime/proxy" (AssemblyScript 0.14 source).
//
// Each callback reaches the same context method as with the SDK's exports (proxy-runtime 0.1.8,
// assembly/exports.ts), so a filter behaves the same; only the per-callback debug strings are gone.
// Stream contexts should extend QuietContext (quiet-context.ts): the SDK's default onDone/onLog/onDelete
// format a debug line each, for every request.

import { ensureRoot, ensureStream, baseContext, rootContext, streamContext, forget } from "./contexts";

// The host allocates with `malloc` when it hands the filter data; the SDK's, as before.
export { malloc, free } from "@solo-io/proxy-runtime/malloc";

export function proxy_abi_version_0_2_0(): void {}

// ---- root context ----

export function proxy_on_vm_start(root_context_id: u32, configuration_size: u32): u32 {
  return rootContext(root_context_id).onStart(configuration_size) ? 1 : 0;
}

export function proxy_validate_configuration(root_context_id: u32, configuration_size: u32): u32 {
  return rootContext(root_context_id).validateConfiguration(configuration_size) ? 1 : 0;
}

export function proxy_on_configure(root_context_id: u32, configuration_size: u32): u32 {
  return rootContext(root_context_id).onConfigure(configuration_size) ? 1 : 0;
}

export function proxy_on_tick(root_context_id: u32): void {
  rootContext(root_context_id).onTick();
}

export function proxy_on_queue_ready(root_context_id: u32, token: u32): void {
  rootContext(root_context_id).onQueueReady(token);
}

/** No foreign functions, as in the SDK. */
export function proxy_on_foreign_function(root_context_id: u32, function_id: u32, data_size: u32): void {}

export function proxy_on_http_call_response(context_id: u32, token: u32, headers: u32, body_size: u32, trailers: u32): void {
  rootContext(context_id).onHttpCallResponse(token, headers, body_size, trailers);
}

export function proxy_on_grpc_receive_initial_metadata(context_id: u32, token: u32, headers: u32): void {
  rootContext(context_id).on_grpc_receive_initial_metadata(token, headers);
}

export function proxy_on_grpc_trailing_metadata(context_id: u32, token: u32, trailers: u32): void {
  rootContext(context_id).on_grpc_trailing_metadata(token, trailers);
}

export function proxy_on_grpc_receive(context_id: u32, token: u32, response_size: u32): void {
  rootContext(context_id).on_grpc_receive(token, response_size);
}

export function proxy_on_grpc_close(context_id: u32, token: u32, status_code: u32): void {
  rootContext(context_id).on_grpc_close(token, status_code);
}

// ---- creation and the end of a context (root or stream) ----

/** root_context_id 0 creates a root context; anything else a stream context under that root. */
export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  if (root_context_id != 0) ensureStream(context_id, root_context_id);
  else ensureRoot(context_id);
}

export function proxy_on_done(context_id: u32): u32 {
  return baseContext(context_id).onDone() ? 1 : 0;
}

export function proxy_on_log(context_id: u32): void {
  streamContext(context_id).onLog();
}

export function proxy_on_delete(context_id: u32): void {
  baseContext(context_id).onDelete();
  forget(context_id);
}

// ---- HTTP stream ----

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  return streamContext(context_id).onRequestHeaders(headers, end_of_stream != 0);
}

export function proxy_on_request_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  return streamContext(context_id).onRequestBody(body_buffer_length, end_of_stream != 0);
}

export function proxy_on_request_trailers(context_id: u32, trailers: u32): i32 {
  return streamContext(context_id).onRequestTrailers(trailers);
}

export function proxy_on_request_metadata(context_id: u32, nelements: u32): i32 {
  return streamContext(context_id).onRequestMetadata(nelements);
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  return streamContext(context_id).onResponseHeaders(headers, end_of_stream != 0);
}

export function proxy_on_response_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  return streamContext(context_id).onResponseBody(body_buffer_length, end_of_stream != 0);
}

export function proxy_on_response_trailers(context_id: u32, trailers: u32): i32 {
  return streamContext(context_id).onResponseTrailers(trailers);
}

export function proxy_on_response_metadata(context_id: u32, nelements: u32): i32 {
  return streamContext(context_id).onResponseMetadata(nelements);
}
