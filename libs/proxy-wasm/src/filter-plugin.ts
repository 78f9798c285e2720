// A configured filter: one VM running the module with its plugin configuration, requests through it,
// and Envoy's failure policies when the VM traps or overruns its budget.
//
// Execution design: the VM runs on the caller's thread (Node's own WebAssembly, no worker hop), and the
// module is metered at load (metering-rewriter.ts): it checks the clock every ~million instructions and
// traps once a callback is over its budget. A runaway filter therefore blocks the event loop for at
// most about its budget, after which the process carries on. A VM that trapped or overran is dead
// (as in Envoy): FAIL_CLOSED answers 503 to this and every later request, FAIL_OPEN passes this and
// every later request through without the filter, FAIL_RELOAD fails this request closed and starts a
// new VM for the next one.

import { LOG_LEVELS, type LogLevel } from './abi-constants.js';
import { VmFailure, WasmFilterError } from './errors.js';
import { runExchange, upstreamRequestOf, type ExchangeProgress, type Upstream } from './exchange-runner.js';
import { FilterVm, type VmServices } from './filter-vm.js';
import { PluginMetrics } from './plugin-metrics.js';
import { processSharedState } from './shared-state.js';
import type { StreamContext } from './stream-context.js';
import type { ExchangeResult, FailurePolicy, FilterLogEntry, FilterModule, HttpRequest, MetricValue, PluginOptions } from './types.js';

export const DEFAULT_CALLBACK_BUDGET_MS = 50;
export const DEFAULT_START_BUDGET_MS = 1000;

const EMPTY = new Uint8Array(0);

/** Wall clock in nanoseconds with hrtime resolution. */
const wallBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const systemNowNanos = () => wallBase + process.hrtime.bigint();

function encodeOverrides(properties: PluginOptions['properties']): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(properties ?? {})) {
    out.set(key, typeof value === 'string' ? new TextEncoder().encode(value) : value);
  }
  return out;
}

export type PluginState = 'running' | 'failed' | 'closed';

export class FilterPlugin {
  private vm?: FilterVm;
  private failures = 0;
  private reloadAfter = 0;
  private closed = false;
  private readonly policy: FailurePolicy;
  private readonly metricsRegistry = new PluginMetrics();
  private readonly services: VmServices;
  /** Logs of the start-up attempt in progress, for its error message. */
  private startLogs?: FilterLogEntry[];

  private constructor(
    private readonly mod: FilterModule,
    private readonly opts: PluginOptions,
  ) {
    this.policy = opts.failurePolicy ?? 'FAIL_CLOSED';
    const logLevel = LOG_LEVELS.indexOf(opts.logLevel ?? 'info');
    this.services = {
      abi: mod.abi,
      plugin: { name: opts.name, rootId: opts.rootId, vmId: opts.vmId ?? '' },
      vmConfig: new TextEncoder().encode(opts.vmConfig ?? ''),
      pluginConfig: new TextEncoder().encode(opts.pluginConfig ?? ''),
      overrides: encodeOverrides(opts.properties),
      logLevel: logLevel < 0 ? 2 : logLevel,
      nowNanos: opts.nowNanos ?? systemNowNanos,
      shared: opts.sharedState ?? processSharedState,
      metrics: this.metricsRegistry,
      httpCallTarget: opts.httpCallTarget,
      callbackBudgetMs: opts.callbackBudgetMs ?? DEFAULT_CALLBACK_BUDGET_MS,
      startBudgetMs: opts.startBudgetMs ?? DEFAULT_START_BUDGET_MS,
      log: (level, message, stream) => this.log(level, message, stream),
      onFailure: (failure) => this.onVmFailure(failure),
    };
  }

  /** Starts the VM and configures the plugin; WasmFilterError when the filter refuses or fails. */
  static async start(mod: FilterModule, opts: PluginOptions): Promise<FilterPlugin> {
    if (!opts.name || !opts.rootId) throw new TypeError('PluginOptions.name and PluginOptions.rootId are required');
    if (opts.callbackBudgetMs !== undefined && !(opts.callbackBudgetMs > 0)) throw new TypeError('callbackBudgetMs must be > 0');
    const plugin = new FilterPlugin(mod, opts);
    plugin.vm = plugin.startVm();
    return plugin;
  }

  private startVm(): FilterVm {
    this.startLogs = [];
    try {
      return FilterVm.start(this.mod, this.services);
    } catch (err) {
      if (!(err instanceof WasmFilterError)) throw err;
      const logs = this.startLogs ?? [];
      const lastError = logs.filter((l) => l.level === 'error' || l.level === 'critical').at(-1);
      const hint = lastError ? `; the filter logged: ${lastError.message}` : '';
      throw new WasmFilterError(err.kind, `plugin ${this.opts.name} (root_id ${this.opts.rootId}): ${err.message}${hint}`, logs);
    } finally {
      this.startLogs = undefined;
    }
  }

  private log(level: LogLevel, message: string, stream: StreamContext | undefined): void {
    stream?.logs.push({ level, message });
    if (this.startLogs && this.startLogs.length < 100) this.startLogs.push({ level, message });
    try {
      this.opts.logger?.(level, message);
    } catch {
      // A broken logger must not look like a filter failure.
    }
  }

  private onVmFailure(failure: VmFailure): void {
    this.failures++;
    this.log('error', `plugin ${this.opts.name}: ${failure.message} (failure policy ${this.policy})`, undefined);
    this.vm = undefined;
  }

  /** The VM requests go through, or undefined when the filter is failed (after a reload attempt under FAIL_RELOAD). */
  private currentVm(): FilterVm | undefined {
    if (this.vm || this.policy !== 'FAIL_RELOAD' || Date.now() < this.reloadAfter) return this.vm;
    try {
      this.vm = this.startVm();
    } catch (err) {
      this.reloadAfter = Date.now() + (this.opts.reloadBackoffMs ?? 1000);
      this.log('error', `plugin ${this.opts.name}: reload failed: ${err instanceof Error ? err.message : String(err)}`, undefined);
    }
    return this.vm;
  }

  state(): PluginState {
    if (this.closed) return 'closed';
    return this.vm ? 'running' : 'failed';
  }

  /** Runs one HTTP exchange through the filter: request phases, `upstream` (unless the filter replied locally), response phases, end of stream. */
  async handle(request: HttpRequest, upstream: Upstream): Promise<ExchangeResult> {
    if (this.closed) throw new Error(`plugin ${this.opts.name} is closed`);
    const vm = this.currentVm();
    if (!vm) return this.withoutFilter(request, upstream);
    const progress: ExchangeProgress = {};
    let stream: StreamContext | undefined;
    try {
      stream = vm.createStream(request);
      return await runExchange(vm, stream, upstream, this.opts.pausedStreamTimeoutMs ?? 60_000, progress);
    } catch (err) {
      if (!(err instanceof VmFailure)) throw err;
      return this.failedExchange(err, request, stream, progress, upstream);
    }
  }

  /** The filter is dead: FAIL_OPEN skips it, the other policies answer 503. */
  private async withoutFilter(request: HttpRequest, upstream: Upstream): Promise<ExchangeResult> {
    if (this.policy === 'FAIL_OPEN') return { response: await upstream(request), upstreamRequest: request, logs: [] };
    return { ...closedReply(), logs: [] };
  }

  private async failedExchange(
    failure: VmFailure,
    request: HttpRequest,
    stream: StreamContext | undefined,
    progress: ExchangeProgress,
    upstream: Upstream,
  ): Promise<ExchangeResult> {
    const logs = stream?.logs ?? [];
    const report = { kind: failure.kind, message: failure.message, policy: this.policy };
    if (progress.finalResponse) {
      // The response was decided; only the end-of-stream callbacks failed.
      const result: ExchangeResult = { response: progress.finalResponse, failure: report, logs };
      if (progress.upstreamRequest) result.upstreamRequest = progress.upstreamRequest;
      return result;
    }
    if (this.policy !== 'FAIL_OPEN') return { ...closedReply(), failure: report, logs };
    if (progress.upstreamResponse) {
      return { response: progress.upstreamResponse, upstreamRequest: progress.upstreamRequest!, failure: report, logs };
    }
    const upstreamRequest = stream ? upstreamRequestOf(stream) : request;
    return { response: await upstream(upstreamRequest), upstreamRequest, failure: report, logs };
  }

  metrics(): MetricValue[] {
    return this.metricsRegistry.snapshot();
  }

  /** The linear memory size of the running VM in bytes; undefined while the filter is failed or closed. */
  memoryBytes(): number | undefined {
    return this.vm?.mem.byteLength;
  }

  /** Traps and budget overruns so far, across reloads (Envoy's wasm runtime failure stats). */
  vmFailures(): number {
    return this.failures;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const vm = this.vm;
    this.vm = undefined;
    await vm?.close();
  }
}

function closedReply(): Pick<ExchangeResult, 'response' | 'localReply'> {
  return {
    response: { status: 503, headers: [], body: EMPTY },
    localReply: { status: 503, details: 'wasm_fail_stream', body: EMPTY, headers: [] },
  };
}
