// Packing and unpacking google.protobuf.Any with already-encoded values.
import { EnvoyConfigError } from './errors.js';
import { lookupType } from './proto-root.js';
import { messageNameOf } from './type-urls.js';

/** A google.protobuf.Any whose value is already encoded. */
export interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

export function packAny(typeName: string, message: Record<string, unknown>): AnyMessage {
  const type = lookupType(typeName);
  const problem = type.verify(message);
  if (problem) throw new EnvoyConfigError(typeName, problem);
  return { typeUrl: `type.googleapis.com/${typeName}`, value: type.encode(type.fromObject(message)).finish() };
}

/** Decodes an Any whose type URL must be `expectedTypeUrl`; anything else is an error, never an empty message. */
export function unpackAny(any: AnyMessage, expectedTypeUrl: string, field = 'typed_config'): Record<string, unknown> {
  if (any.typeUrl !== expectedTypeUrl) {
    throw new EnvoyConfigError(field, `expected type URL ${expectedTypeUrl}, got ${any.typeUrl || '(empty)'}`);
  }
  const type = lookupType(messageNameOf(any.typeUrl));
  try {
    return type.toObject(type.decode(any.value), { longs: String, enums: String, bytes: Buffer, defaults: true });
  } catch (err) {
    throw new EnvoyConfigError(field, `cannot decode ${messageNameOf(any.typeUrl)}: ${(err as Error).message}`);
  }
}

/** Any as protobufjs/proto-loader objects carry it (`type_url`, `value`). */
export function anyFromObject(obj: unknown, field: string): AnyMessage {
  const o = obj as { type_url?: unknown; value?: unknown } | null | undefined;
  if (!o || typeof o.type_url !== 'string' || !(o.value instanceof Uint8Array)) {
    throw new EnvoyConfigError(field, 'missing or malformed google.protobuf.Any');
  }
  return { typeUrl: o.type_url, value: o.value };
}
