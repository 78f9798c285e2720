// envoy.config.core.v3.TypedExtensionConfig: the ECDS resource, named like the HttpFilter it fills.
import { anyFromObject, packAny, unpackAny, type AnyMessage } from './any.js';
import { EnvoyConfigError } from './errors.js';
import { TypeUrls } from './type-urls.js';

export interface TypedExtensionConfig {
  name: string;
  typedConfig: AnyMessage;
}

export function encodeTypedExtensionConfig(config: TypedExtensionConfig): AnyMessage {
  if (!config.name) throw new EnvoyConfigError('name', 'must not be empty');
  return packAny('envoy.config.core.v3.TypedExtensionConfig', {
    name: config.name,
    typed_config: { type_url: config.typedConfig.typeUrl, value: config.typedConfig.value },
  });
}

export function decodeTypedExtensionConfig(any: AnyMessage): TypedExtensionConfig {
  const obj = unpackAny(any, TypeUrls.typedExtensionConfig, 'resource');
  const name = obj['name'];
  if (typeof name !== 'string' || name === '') throw new EnvoyConfigError('name', 'must not be empty');
  return { name, typedConfig: anyFromObject(obj['typed_config'], 'typed_config') };
}
