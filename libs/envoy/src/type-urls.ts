// The type URLs Wasmfleet speaks. Anything else in an Any is refused, never silently dropped.
const prefix = 'type.googleapis.com/';

export const TypeUrls = {
  typedExtensionConfig: `${prefix}envoy.config.core.v3.TypedExtensionConfig`,
  wasmHttpFilter: `${prefix}envoy.extensions.filters.http.wasm.v3.Wasm`,
  stringValue: `${prefix}google.protobuf.StringValue`,
  bytesValue: `${prefix}google.protobuf.BytesValue`,
  struct: `${prefix}google.protobuf.Struct`,
} as const;

/** `type.googleapis.com/a.b.C` → `a.b.C`. */
export function messageNameOf(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash >= 0 ? typeUrl.slice(slash + 1) : typeUrl;
}
