// The functions this host provides to modules. A module importing anything else is refused at load,
// naming the import, as Envoy refuses to link it.

import type { AbiVersion } from './types.js';

/** proxy-wasm host functions in module `env` (every ABI version; proxy-wasm-cpp-host's list). */
export const ENV_FUNCTIONS = [
  'proxy_log',
  'proxy_get_log_level',
  'proxy_get_current_time_nanoseconds',
  'proxy_set_tick_period_milliseconds',
  'proxy_get_property',
  'proxy_set_property',
  'proxy_get_configuration',
  'proxy_get_status',
  'proxy_get_buffer_bytes',
  'proxy_set_buffer_bytes',
  'proxy_get_buffer_status',
  'proxy_get_header_map_pairs',
  'proxy_set_header_map_pairs',
  'proxy_get_header_map_value',
  'proxy_add_header_map_value',
  'proxy_replace_header_map_value',
  'proxy_remove_header_map_value',
  'proxy_get_header_map_size',
  'proxy_continue_stream',
  'proxy_close_stream',
  'proxy_continue_request',
  'proxy_continue_response',
  'proxy_clear_route_cache',
  'proxy_send_local_response',
  'proxy_http_call',
  'proxy_grpc_call',
  'proxy_grpc_stream',
  'proxy_grpc_send',
  'proxy_grpc_cancel',
  'proxy_grpc_close',
  'proxy_get_shared_data',
  'proxy_set_shared_data',
  'proxy_register_shared_queue',
  'proxy_resolve_shared_queue',
  'proxy_enqueue_shared_queue',
  'proxy_dequeue_shared_queue',
  'proxy_define_metric',
  'proxy_increment_metric',
  'proxy_record_metric',
  'proxy_get_metric',
  'proxy_set_effective_context',
  'proxy_done',
  'proxy_call_foreign_function',
  // Emscripten runtime helpers that proxy-wasm-cpp-host also provides.
  'pthread_equal',
  'emscripten_notify_memory_growth',
] as const;

export type EnvFunctionName = (typeof ENV_FUNCTIONS)[number];

/** WASI preview1 functions, provided under both `wasi_snapshot_preview1` and `wasi_unstable`. */
export const WASI_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

export type WasiFunctionName = (typeof WASI_FUNCTIONS)[number];

export const WASI_MODULES = ['wasi_snapshot_preview1', 'wasi_unstable'] as const;

/**
 * Host functions proxy-wasm-cpp-host (Envoy) links only for some ABI versions. This host provides them
 * to every module, but a module importing one outside its ABI would fail to load in Envoy.
 */
const ENVOY_ABI_SPECIFIC: Record<string, readonly AbiVersion[]> = {
  proxy_get_configuration: ['0.1.0'],
  proxy_continue_request: ['0.1.0'],
  proxy_continue_response: ['0.1.0'],
  proxy_clear_route_cache: ['0.1.0'],
  proxy_continue_stream: ['0.2.0', '0.2.1'],
  proxy_close_stream: ['0.2.0', '0.2.1'],
  proxy_get_log_level: ['0.2.1'],
};

/** Imports that load here but not in Envoy for the module's ABI, one sentence each. */
export function envoyAbiWarnings(abi: AbiVersion, imports: readonly { module: string; name: string }[]): string[] {
  return imports
    .filter((i) => i.module === 'env' && ENVOY_ABI_SPECIFIC[i.name] && !ENVOY_ABI_SPECIFIC[i.name]!.includes(abi))
    .map((i) => `the module (ABI ${abi}) imports env.${i.name}, which Envoy provides only to ABI ${ENVOY_ABI_SPECIFIC[i.name]!.join('/')} modules; Envoy would refuse to load it`);
}

const envNames: ReadonlySet<string> = new Set(ENV_FUNCTIONS);
const wasiNames: ReadonlySet<string> = new Set(WASI_FUNCTIONS);

/** Whether this host provides `module.name` as a function. */
export function hostProvides(module: string, name: string): boolean {
  if (module === 'env') return envNames.has(name);
  if ((WASI_MODULES as readonly string[]).includes(module)) return wasiNames.has(name);
  return false;
}
