// How every registry command reaches a registry: credentials from the environment
// (WASMFLEET_REGISTRY_USERNAME/PASSWORD), then wasmfleet's config.json (`wasmfleet login`), then Docker's and
// Podman's; plain HTTP only to loopback or to the registry named with --insecure.
import { defaultConfigPaths, defaultCredentials, parseOciReference, type OciReference, type RegistryOptions } from '@wasmfleet/oci';
import { Option } from 'commander';
import { usageError } from '../cli-error.js';
import { configPath } from './config-file.js';

export interface RegistryFlags {
  insecure?: boolean;
}

export function insecureOption(): Option {
  return new Option('--insecure', 'allow plain HTTP to this registry (loopback registries are always allowed)');
}

export function registryOptions(registry: string, flags: RegistryFlags): RegistryOptions {
  return {
    credentials: defaultCredentials({ configPaths: [configPath(), ...defaultConfigPaths()] }),
    ...(flags.insecure ? { insecureRegistries: [registry] } : {}),
  };
}

/** `oci://host:port/repo:tag`, `host/repo@sha256:…`; http(s) URLs are not registry references. */
export function parseImageReference(input: string): OciReference {
  if (/^https?:\/\//i.test(input.trim())) {
    throw usageError(`"${input}" is a URL, not an image reference`, 'write it as oci://host[:port]/repository[:tag]');
  }
  return parseOciReference(input);
}

/** `oci://host:5000/`, `https://host:5000`, `host:5000` → `host:5000` */
export function normalizeRegistryHost(input: string): string {
  const host = input.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  if (!/^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?$/.test(host)) {
    throw usageError(`"${input}" is not a registry host`, 'give host or host:port, e.g. `wasmfleet login 127.0.0.1:5000`');
  }
  return host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host;
}
