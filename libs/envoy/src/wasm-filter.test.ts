import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { packAny } from './any.js';
import { EnvoyConfigError } from './errors.js';
import { decodeTypedExtensionConfig, encodeTypedExtensionConfig } from './typed-extension-config.js';
import { TypeUrls } from './type-urls.js';
import { decodeWasmFilter, encodeWasmFilter, type WasmFilterConfig } from './wasm-filter.js';

const sha = 'a'.repeat(64);
const base: WasmFilterConfig = {
  name: 'add-header',
  rootId: 'add_header',
  vmId: 'add-header-vm',
  runtime: 'envoy.wasm.runtime.v8',
  code: { kind: 'remote', uri: 'http://127.0.0.1:8081/modules/x.wasm', cluster: 'wasmfleet_modules', timeoutMs: 2500, sha256: sha },
  configuration: '{"header":"x-powered-by","value":"wasmfleet"}',
  vmConfiguration: '{"vm":true}',
  failurePolicy: 'FAIL_OPEN',
};

describe('Wasm filter config', () => {
  it.each([
    ['remote code, fail open', base],
    ['local code, fail closed, no configuration', { ...base, code: { kind: 'local' as const, filename: '/etc/f.wasm' }, configuration: undefined, vmConfiguration: undefined, failurePolicy: 'FAIL_CLOSED' as const }],
    ['fail reload', { ...base, failurePolicy: 'FAIL_RELOAD' as const }],
  ])('round-trips %s', (_name, config) => {
    const any = encodeWasmFilter(config);
    expect(any.typeUrl).toBe(TypeUrls.wasmHttpFilter);
    const decoded = decodeWasmFilter(any);
    const expected = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
    expect(decoded).toEqual(expected);
  });

  it('writes failure_policy as field 7 with the data-plane-api enum numbers', () => {
    const any = encodeWasmFilter({ ...base, failurePolicy: 'FAIL_OPEN' });
    // Decode with a hand-written schema holding only the fields we check, independent of our root.
    const root = protobuf.parse(`syntax = "proto3";
      message PluginConfig { string name = 1; string root_id = 2; int32 failure_policy = 7; }
      message Wasm { PluginConfig config = 1; }`, { keepCase: true }).root;
    const wasm = root.lookupType('Wasm').toObject(root.lookupType('Wasm').decode(any.value)) as any;
    expect(wasm.config).toEqual({ name: 'add-header', root_id: 'add_header', failure_policy: 3 });
  });

  it('carries configuration as the JSON text of a StringValue', () => {
    const any = encodeWasmFilter(base);
    const decoded = decodeWasmFilter(any);
    expect(JSON.parse(decoded.configuration!)).toEqual({ header: 'x-powered-by', value: 'wasmfleet' });
  });

  it('treats the legacy fail_open flag as FAIL_OPEN when no failure_policy is set', () => {
    const any = packAny('envoy.extensions.filters.http.wasm.v3.Wasm', {
      config: { name: 'n', root_id: 'r', fail_open: true, vm_config: { vm_id: 'v', runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: '/f.wasm' } } } },
    });
    expect(decodeWasmFilter(any).failurePolicy).toBe('FAIL_OPEN');
  });

  it.each([
    ['a short sha256', { ...base, code: { ...base.code, sha256: 'abc' } as WasmFilterConfig['code'] }, 'code.remote.sha256'],
    ['a non-http uri', { ...base, code: { ...base.code, uri: 'file:///etc/passwd' } as WasmFilterConfig['code'] }, 'code.remote.uri'],
    ['an unknown failure policy', { ...base, failurePolicy: 'FAIL_SOMETIMES' as never }, 'failurePolicy'],
  ])('refuses %s naming the field', (_name, config, field) => {
    expect(() => encodeWasmFilter(config)).toThrowError(EnvoyConfigError);
    expect(() => encodeWasmFilter(config)).toThrowError(new RegExp(`^${field.replace(/\./g, '\\.')}:`));
  });
});

describe('TypedExtensionConfig', () => {
  it('wraps a Wasm filter under the slot name and unwraps it again', () => {
    const tec = encodeTypedExtensionConfig({ name: 'wasmfleet.bookinfo.add-header', typedConfig: encodeWasmFilter(base) });
    expect(tec.typeUrl).toBe(TypeUrls.typedExtensionConfig);
    const back = decodeTypedExtensionConfig(tec);
    expect(back.name).toBe('wasmfleet.bookinfo.add-header');
    expect(decodeWasmFilter(back.typedConfig)).toMatchObject({ rootId: 'add_header', failurePolicy: 'FAIL_OPEN' });
  });

  it('refuses an unknown type URL instead of returning an empty message', () => {
    expect(() => decodeTypedExtensionConfig({ typeUrl: 'type.googleapis.com/foo.Bar', value: new Uint8Array() })).toThrowError(
      /expected type URL type\.googleapis\.com\/envoy\.config\.core\.v3\.TypedExtensionConfig, got type\.googleapis\.com\/foo\.Bar/,
    );
    const tec = encodeTypedExtensionConfig({ name: 's', typedConfig: { typeUrl: 'type.googleapis.com/foo.Bar', value: new Uint8Array([1]) } });
    expect(() => decodeWasmFilter(decodeTypedExtensionConfig(tec).typedConfig)).toThrowError(EnvoyConfigError);
  });

  it('refuses bytes that are not a valid message', () => {
    expect(() => decodeTypedExtensionConfig({ typeUrl: TypeUrls.typedExtensionConfig, value: new Uint8Array([0x0a, 0xff]) })).toThrowError(/cannot decode/);
  });
});
