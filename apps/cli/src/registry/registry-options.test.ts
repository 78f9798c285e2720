import { RegistryClient } from '@wasmfleet/oci';
import { describe, expect, it } from 'vitest';
import { normalizeRegistryHost, parseImageReference, registryOptions } from './registry-options.js';

describe('registryOptions', () => {
  it('uses plain HTTP for a non-loopback registry only with --insecure', () => {
    const secure = new RegistryClient('registry.internal:5000', registryOptions('registry.internal:5000', {}));
    const insecure = new RegistryClient('registry.internal:5000', registryOptions('registry.internal:5000', { insecure: true }));
    expect(secure.base.protocol).toBe('https:');
    expect(insecure.base.protocol).toBe('http:');
    secure.close();
    insecure.close();
  });
});

describe('references and hosts', () => {
  it('normalizes what people type as a registry host', () => {
    expect(normalizeRegistryHost('https://Reg.Example:5000/v2/')).toBe('reg.example:5000');
    expect(normalizeRegistryHost('oci://127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normalizeRegistryHost('docker.io')).toBe('registry-1.docker.io');
    expect(() => normalizeRegistryHost('not a host')).toThrow('is not a registry host');
  });

  it('refuses http URLs as image references', () => {
    expect(() => parseImageReference('http://h/x.wasm')).toThrow('is a URL, not an image reference');
    expect(parseImageReference('oci://h:1/a/b:v1')).toMatchObject({ registry: 'h:1', repository: 'a/b', tag: 'v1' });
  });
});
