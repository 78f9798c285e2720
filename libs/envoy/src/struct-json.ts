// google.protobuf.Struct ⇄ plain JSON, for node metadata. protobufjs' bundled well-known types name the
// Value fields in camelCase (structValue, …) whatever keepCase says, hence the names below.
type Decoded = Record<string, any>;

function valueToJson(v: Decoded | null | undefined): unknown {
  if (!v) return null;
  if (v['structValue']) return structToJson(v['structValue']);
  if (v['listValue']) return (v['listValue']['values'] ?? []).map(valueToJson);
  if (typeof v['stringValue'] === 'string') return v['stringValue'];
  if (typeof v['numberValue'] === 'number') return v['numberValue'];
  if (typeof v['boolValue'] === 'boolean') return v['boolValue'];
  return null;
}

export function structToJson(s: Decoded | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries<Decoded>(s?.['fields'] ?? {})) out[k] = valueToJson(v);
  return out;
}

function jsonToValue(v: unknown): Decoded {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  return { structValue: jsonToStruct(v as Record<string, unknown>) };
}

export function jsonToStruct(obj: Record<string, unknown>): Decoded {
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, jsonToValue(v)])) };
}
