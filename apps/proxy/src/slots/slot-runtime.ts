// One filter slot of a proxy, filled over ECDS the way Envoy fills an HttpFilter's config_discovery: a
// config is taken only when its module is fetched, verified, compiled and started (on_vm_start and
// on_configure succeed); otherwise it is refused with the reason and the last good filter keeps serving.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { decodeTypedExtensionConfig, decodeWasmFilter, TypeUrls, type WasmFilterConfig } from '@wasmfleet/envoy';
import { FilterPlugin, loadFilterModule } from '@wasmfleet/proxy-wasm';
import type { VersionedResource } from '@wasmfleet/xds';
import { compiledModule } from '../modules/compiled-modules.js';
import type { ModuleFetcher } from '../modules/module-fetcher.js';
import type { EnvoyStats } from '../stats/envoy-stats.js';

export interface ActiveFilter {
  plugin: FilterPlugin;
  config: WasmFilterConfig;
  /** The xDS version it came with ('default' for the default config). */
  version: string;
  sha256: string;
}

export interface SlotRuntimeOptions {
  fetcher: ModuleFetcher;
  stats: EnvoyStats;
  log: (level: 'info' | 'warn', message: string) => void;
  /** Served before any config arrives and after the config is removed (Envoy's default_config). */
  defaultConfig?: WasmFilterConfig;
  /** Extra proxy-wasm properties, e.g. node.id. */
  properties?: Record<string, string>;
}

export class SlotRuntime {
  private active: ActiveFilter | undefined;
  private appliedHash: string | undefined;
  private readyResolve!: () => void;
  /** Resolves once the slot has a config (received or default): Envoy's warming. */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    readonly name: string,
    private readonly o: SlotRuntimeOptions,
  ) {}

  private statName(stat: string): string {
    return `extension_config_discovery.http_filter.${this.name}.${stat}`;
  }

  get current(): ActiveFilter | undefined {
    return this.active;
  }

  /** Installs the default config, if any; a failing default is logged, not fatal. */
  async start(): Promise<void> {
    if (!this.o.defaultConfig) return;
    try {
      await this.install(this.o.defaultConfig, 'default');
    } catch (err) {
      this.o.log('warn', `slot ${this.name}: default config failed: ${(err as Error).message}`);
    }
  }

  /** Applies one ECDS resource; resolves with a rejection message (→ NACK) or undefined (→ ACK). */
  async apply(resource: VersionedResource): Promise<string | undefined> {
    try {
      const tec = decodeTypedExtensionConfig(resource.resource);
      if (tec.name !== this.name) throw new Error(`resource name ${tec.name} does not match filter ${this.name}`);
      if (tec.typedConfig.typeUrl !== TypeUrls.wasmHttpFilter) {
        throw new Error(`type URL ${tec.typedConfig.typeUrl} is not accepted by filter ${this.name} (expected ${TypeUrls.wasmHttpFilter})`);
      }
      // Envoy treats an unchanged typed_config as a silent no-op.
      const hash = createHash('sha256').update(tec.typedConfig.value).digest('hex');
      if (hash === this.appliedHash) return undefined;
      await this.install(decodeWasmFilter(tec.typedConfig), resource.version);
      this.appliedHash = hash;
      this.o.stats.inc(this.statName('config_reload'));
      return undefined;
    } catch (err) {
      this.o.stats.inc(this.statName('config_fail'));
      const message = `filter ${this.name} version ${resource.version}: ${(err as Error).message}`;
      this.o.log('warn', `NACK ${message}`);
      return message;
    }
  }

  /** The config was removed (Delta): back to the default config, or no filter at all. */
  async remove(): Promise<void> {
    this.appliedHash = undefined;
    if (this.o.defaultConfig) {
      await this.install(this.o.defaultConfig, 'default');
      return;
    }
    const old = this.active;
    this.active = undefined;
    await old?.plugin.close();
  }

  private async install(config: WasmFilterConfig, version: string): Promise<void> {
    const code = config.code;
    const module =
      code.kind === 'remote'
        ? await compiledModule(code.sha256, () => this.o.fetcher.get(code.uri, code.sha256))
        : await loadFilterModule(new Uint8Array(await readFile(code.filename)));
    const plugin = await FilterPlugin.start(module, {
      name: config.name,
      rootId: config.rootId,
      vmId: config.vmId,
      ...(config.vmConfiguration !== undefined && { vmConfig: config.vmConfiguration }),
      ...(config.configuration !== undefined && { pluginConfig: config.configuration }),
      failurePolicy: config.failurePolicy,
      logger: (level, message) => this.o.log(level === 'error' || level === 'critical' || level === 'warn' ? 'warn' : 'info', `[${this.name}] ${message}`),
      ...(this.o.properties && { properties: this.o.properties }),
    });
    const old = this.active;
    this.active = { plugin, config, version, sha256: module.sha256 };
    this.o.stats.inc('wasm.envoy.wasm.runtime.v8.created');
    this.readyResolve();
    await old?.plugin.close();
  }

  async close(): Promise<void> {
    await this.active?.plugin.close();
    this.active = undefined;
  }
}
