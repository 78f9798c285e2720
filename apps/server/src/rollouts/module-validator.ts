// Validation before any proxy sees a module: resolve the image to a digest, pull and verify it, check the
// ABI export and that every import is one the host provides, then start it with the rollout's real config
// and put a few sample requests through it. Any failure is a ModuleValidationError with the exact reason.
import { readFile } from 'node:fs/promises';
import { isOciError, type ModuleCache } from '@wasmfleet/oci';
import { FilterPlugin, loadFilterModule, WasmFilterError, type FilterModule, type HttpRequest } from '@wasmfleet/proxy-wasm';

export class ModuleValidationError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ModuleValidationError';
  }
}

export interface FilterToValidate {
  slot: string;
  image: string;
  sha256?: string;
  rootId: string;
  config: unknown;
  vmConfig?: unknown;
}

export interface ValidatedModule {
  /** sha256 of the module bytes: what proxies verify. */
  sha256: string;
  /** The OCI manifest digest the image resolved to, when it is an OCI image. */
  manifestDigest?: string;
  size: number;
  abi: string;
}

const SAMPLE_REQUESTS: HttpRequest[] = [
  { method: 'GET', path: '/', authority: 'wasmfleet-validation', scheme: 'http', headers: [['user-agent', 'wasmfleet-validator']] },
  {
    method: 'POST',
    path: '/validate?sample=1',
    authority: 'wasmfleet-validation',
    scheme: 'http',
    headers: [['content-type', 'application/json']],
    body: Buffer.from('{"sample":true}'),
  },
];

const sampleUpstream = async () => ({ status: 200, headers: [['content-type', 'text/plain']] as [string, string][], body: Buffer.from('ok') });

/** Compiled modules kept by sha256: compiling (with the metering rewrite) is the costly part of a validation. */
const COMPILED_MODULES_KEPT = 16;

export class ModuleValidator {
  private readonly compiled = new Map<string, Promise<FilterModule>>();

  constructor(private readonly cache: ModuleCache) {}

  /** The module compiled once per sha256 (same bytes, same module); the plugin still starts afresh every time. */
  private compile(sha256: string, bytes: Uint8Array): Promise<FilterModule> {
    let mod = this.compiled.get(sha256);
    if (mod) {
      this.compiled.delete(sha256); // most recently used goes last
    } else {
      mod = loadFilterModule(bytes);
      mod.catch(() => this.compiled.delete(sha256));
    }
    this.compiled.set(sha256, mod);
    if (this.compiled.size > COMPILED_MODULES_KEPT) this.compiled.delete(this.compiled.keys().next().value!);
    return mod;
  }

  async validate(filter: FilterToValidate): Promise<ValidatedModule> {
    let cached;
    try {
      cached = await this.cache.get(filter.image, { ...(filter.sha256 && { sha256: filter.sha256 }), pullPolicy: 'Always' });
    } catch (err) {
      throw new ModuleValidationError(isOciError(err) ? `pull ${filter.image}: ${err.message}` : `pull ${filter.image}: ${String(err)}`);
    }
    const bytes = new Uint8Array(await readFile(cached.path));
    let plugin: FilterPlugin | undefined;
    try {
      const mod = await this.compile(cached.sha256, bytes);
      plugin = await FilterPlugin.start(mod, {
        name: filter.slot,
        rootId: filter.rootId,
        pluginConfig: JSON.stringify(filter.config ?? null),
        ...(filter.vmConfig !== undefined && { vmConfig: JSON.stringify(filter.vmConfig) }),
        failurePolicy: 'FAIL_CLOSED',
      });
      for (const request of SAMPLE_REQUESTS) {
        const result = await plugin.handle(request, sampleUpstream);
        if (result.failure) {
          throw new ModuleValidationError(`sample request ${request.method} ${request.path}: ${result.failure.kind}: ${result.failure.message}`);
        }
      }
      return {
        sha256: cached.sha256,
        ...(cached.manifestDigest && { manifestDigest: cached.manifestDigest }),
        size: cached.size,
        abi: mod.abi,
      };
    } catch (err) {
      if (err instanceof ModuleValidationError) throw err;
      if (err instanceof WasmFilterError) throw new ModuleValidationError(`${err.kind}: ${err.message}`);
      throw new ModuleValidationError(String(err));
    } finally {
      await plugin?.close();
    }
  }
}
