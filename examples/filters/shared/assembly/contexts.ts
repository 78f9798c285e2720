// The context registry behind our proxy_on_* exports (exports.ts), in place of the one inside
// @solo-io/proxy-runtime 0.1.8 (AssemblyScript 0.14 source).
//
// Why not the SDK's: its proxy_on_context_create runs ensureContext/ensureRootContext, which build about
// half a dozen debug strings per call, several of them with `context_map.keys().join(", ")`, and UTF-8
// encode each one for proxy_log, whatever the host's log level. That is most of a request's time in the
// filter. Its registry is module-private, so the filters cannot reuse it without its exports: they register
// their root factories here instead and export the glue from exports.ts. Everything else (RootContext,
// Context, stream_context, log, send_local_response, ...) is still the SDK's.
//
// Semantics are the SDK's: a root context is created on first sight of its id, by the factory registered
// for the host's `plugin_root_id` property (no factory -> abort); a stream context is created by its root
// context's createContext; an id seen again is left as it is; a callback for an unknown id aborts.

import { BaseContext, Context, RootContext } from "@solo-io/proxy-runtime";
import { get_property } from "@solo-io/proxy-runtime/runtime";

type RootFactory = (context_id: u32) => RootContext;

const rootFactories = new Map<string, RootFactory>();
const contexts = new Map<u32, BaseContext>();

/** Makes `factory` create the root context of plugins whose root id is `rootId`. */
export function registerRoot(factory: RootFactory, rootId: string): void {
  rootFactories.set(rootId, factory);
}

function pluginRootId(): string {
  let bytes = get_property("plugin_root_id");
  return bytes.byteLength == 0 ? "" : String.UTF8.decode(bytes);
}

/** The root context `id`, created now if the host has not created it yet. */
export function ensureRoot(id: u32): RootContext {
  if (contexts.has(id)) return rootContext(id);
  let rootId = pluginRootId();
  if (!rootFactories.has(rootId)) throw new Error("Missing root context factory for root id: " + rootId);
  let root = rootFactories.get(rootId)(id);
  root.context_id = id;
  contexts.set(id, root);
  return root;
}

/** Creates stream context `id` under root context `rootId`, unless it exists. */
export function ensureStream(id: u32, rootId: u32): void {
  let root = ensureRoot(rootId);
  if (!contexts.has(id)) contexts.set(id, root.createContext(id));
}

export function baseContext(id: u32): BaseContext {
  return contexts.get(id);
}

// The checked casts go through a local: `contexts.get(id) as T` keeps a reference the compiler never
// releases (the SDK's getContext/getRootContext do that), so every context would stay in memory.
export function rootContext(id: u32): RootContext {
  let context = contexts.get(id);
  return context as RootContext;
}

export function streamContext(id: u32): Context {
  let context = contexts.get(id);
  return context as Context;
}

export function forget(id: u32): void {
  contexts.delete(id);
}
