// One instance of a filter module: its contexts, the calls into it, and the callbacks for work it
// started earlier (ticks, HTTP callouts, queues; see vm-background-work.ts). Every call into the
// module runs under the callback budget; a trap or an overrun marks the VM failed for good (Envoy
// treats a VM that trapped as unusable), aborts its paused streams and cancels its timers and callouts.

import { Action, type LogLevel } from './abi-constants.js';
import { CallbackBudget } from './callback-budget.js';
import { ProcExit, VmFailure, WasmFilterError } from './errors.js';
import { GuestMemory } from './guest-memory.js';
import { buildImports } from './host-imports.js';
import type { CalloutRequest, CalloutResponse } from './http-callout.js';
import { VmBackgroundWork } from './vm-background-work.js';
import { RootContext, StreamContext, type Direction, type FilterContext } from './stream-context.js';
import type { PluginMetrics } from './plugin-metrics.js';
import type { QueueOwner, SharedState } from './shared-state.js';
import type { AbiVersion, FilterModule, HttpRequest } from './types.js';
import type { PluginIdentity } from './well-known-properties.js';

export interface VmServices {
  abi: AbiVersion;
  plugin: PluginIdentity;
  vmConfig: Uint8Array;
  pluginConfig: Uint8Array;
  overrides: ReadonlyMap<string, Uint8Array>;
  /** Index into LOG_LEVELS of the lowest level kept. */
  logLevel: number;
  nowNanos: () => bigint;
  shared: SharedState;
  metrics: PluginMetrics;
  httpCallTarget?: (cluster: string) => string | undefined;
  callbackBudgetMs: number;
  startBudgetMs: number;
  log(level: LogLevel, message: string, stream: StreamContext | undefined): void;
  /** Told once, when the VM traps or overruns (in an exchange or in a tick, callout or queue callback). */
  onFailure(failure: VmFailure): void;
}

export const ROOT_CONTEXT_ID = 1;

type Callback = (...args: number[]) => unknown;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class FilterVm implements QueueOwner {
  readonly mem = new GuestMemory();
  readonly budget = new CallbackBudget();
  readonly root = new RootContext(ROOT_CONTEXT_ID);
  /** Which configuration proxy_get_configuration (ABI 0.1.0) answers. */
  configPhase: 'vm-start' | 'configure' | 'running' = 'vm-start';
  /** Set while proxy_on_http_call_response runs. */
  calloutResponse?: CalloutResponse;
  failure?: VmFailure;
  private contexts = new Map<number, FilterContext>([[ROOT_CONTEXT_ID, this.root]]);
  private nextContextId = ROOT_CONTEXT_ID + 1;
  private currentId = ROOT_CONTEXT_ID;
  private effectiveId = 0;
  private fns: Record<string, Callback> = Object.create(null);
  private readonly background = new VmBackgroundWork(ROOT_CONTEXT_ID, (callback, args, callout) => this.deliver(callback, args, callout));
  private doneSignal?: () => void;
  private closing = false;
  /** After close: callbacks are skipped (they answer Continue). */
  private closed = false;

  private constructor(readonly services: VmServices) {}

  get abi(): AbiVersion {
    return this.services.abi;
  }

  /** Instantiates the module and runs start-up: _initialize/_start, on_vm_start, on_configure. */
  static start(mod: FilterModule, services: VmServices): FilterVm {
    const vm = new FilterVm(services);
    let step: 'vm-start' | 'configure' = 'vm-start';
    const budget = services.startBudgetMs;
    try {
      const imports = buildImports(vm, WebAssembly.Module.imports(mod.metered));
      const instance = vm.budget.run(budget, () => new WebAssembly.Instance(mod.metered, imports));
      vm.bind(instance);
      if (vm.fns._initialize) {
        vm.invoke('_initialize', ROOT_CONTEXT_ID, budget);
        if (vm.fns.main) vm.invoke('main', ROOT_CONTEXT_ID, budget, 0, 0);
      } else if (vm.fns._start) {
        vm.invoke('_start', ROOT_CONTEXT_ID, budget);
      }
      vm.invoke('proxy_on_context_create', ROOT_CONTEXT_ID, budget, ROOT_CONTEXT_ID, 0);
      if (vm.has('proxy_on_vm_start') && !vm.invoke('proxy_on_vm_start', ROOT_CONTEXT_ID, budget, ROOT_CONTEXT_ID, services.vmConfig.length)) {
        throw new WasmFilterError('vm-start', 'proxy_on_vm_start returned false: the filter rejected its VM configuration');
      }
      step = 'configure';
      vm.configPhase = 'configure';
      if (vm.has('proxy_on_configure') && !vm.invoke('proxy_on_configure', ROOT_CONTEXT_ID, budget, ROOT_CONTEXT_ID, services.pluginConfig.length)) {
        throw new WasmFilterError('configure', 'proxy_on_configure returned false: the filter rejected its plugin configuration');
      }
      vm.configPhase = 'running';
      return vm;
    } catch (err) {
      vm.background.stop(true);
      if (err instanceof WasmFilterError) throw err;
      const reason = err instanceof VmFailure || !vm.budget.expired ? describe(err) : `the start function exceeded its time budget (${budget} ms)`;
      throw new WasmFilterError(step, `VM start-up failed: ${reason}`);
    }
  }

  private bind(instance: WebAssembly.Instance): void {
    const exported = instance.exports;
    for (const [name, value] of Object.entries(exported)) {
      if (typeof value === 'function') this.fns[name] = value as Callback;
    }
    const memory = exported.memory;
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new WasmFilterError('vm-start', 'the module exports no memory named "memory"; proxy-wasm hosts exchange data through it');
    }
    const allocate = this.fns.malloc ?? this.fns.proxy_on_memory_allocate;
    if (!allocate) {
      throw new WasmFilterError('vm-start', 'the module exports neither malloc nor proxy_on_memory_allocate; the host cannot hand it data');
    }
    this.mem.attach(memory, (size) => Number(this.budget.run(this.services.callbackBudgetMs, () => allocate(size))));
  }

  has(name: string): boolean {
    return this.fns[name] !== undefined;
  }

  // ---- the context host calls act on ----

  context(): FilterContext {
    return (this.effectiveId !== 0 && this.contexts.get(this.effectiveId)) || this.contexts.get(this.currentId) || this.root;
  }

  stream(): StreamContext | undefined {
    const ctx = this.context();
    return ctx.kind === 'stream' ? ctx : undefined;
  }

  setEffectiveContext(id: number): boolean {
    if (!this.contexts.has(id)) return false;
    this.effectiveId = id;
    return true;
  }

  log(level: LogLevel, message: string): void {
    this.services.log(level, message, this.stream());
  }

  // ---- calls into the module ----

  /**
   * Runs an exported callback as a top-level call under the budget; answers its i32 result (0 if void).
   * Arguments are passed one by one (no array per call); Wasm ignores those past its parameters.
   */
  private invoke(name: string, contextId: number, budgetMs: number, a = 0, b = 0, c = 0, d = 0, e = 0): number {
    if (this.failure) throw this.failure;
    const fn = this.fns[name];
    if (!fn || this.closed) return 0;
    this.currentId = contextId;
    this.effectiveId = 0;
    this.budget.enter(budgetMs);
    try {
      const result = fn(a, b, c, d, e);
      return typeof result === 'number' ? result >>> 0 : 0;
    } catch (err) {
      if (err instanceof ProcExit && err.code === 0 && name === '_start') return 0; // a WASI command's normal end
      throw this.fail(name, err, budgetMs);
    } finally {
      this.budget.leave();
    }
  }

  private fail(callback: string, err: unknown, budgetMs: number): VmFailure {
    const failure = this.budget.expired
      ? new VmFailure('timeout', callback, `stopped after ${budgetMs} ms`)
      : new VmFailure('trap', callback, describe(err));
    this.failure = failure;
    this.background.stop(true);
    if (this.configPhase === 'running') this.services.onFailure(failure);
    for (const ctx of this.contexts.values()) if (ctx.kind === 'stream') ctx.abort(failure);
    return failure;
  }

  createStream(request: HttpRequest): StreamContext {
    const s = new StreamContext(this.nextContextId++, request, this.services.nowNanos());
    this.contexts.set(s.id, s);
    this.invoke('proxy_on_context_create', s.id, this.services.callbackBudgetMs, s.id, ROOT_CONTEXT_ID);
    return s;
  }

  /** Runs one phase callback of stream `s`: answers whether the filter let the stream continue. */
  private phase(name: string, s: StreamContext, direction: Direction, size: number, endOfStream = 0): boolean {
    s.beginPhase(direction);
    return this.invoke(name, s.id, this.services.callbackBudgetMs, s.id, size, endOfStream) === Action.Continue;
  }

  // Header callbacks take (context, count, end_of_stream); ABI 0.1.0 has no end_of_stream and ignores it.
  onRequestHeaders(s: StreamContext, endOfStream: boolean): boolean {
    return this.phase('proxy_on_request_headers', s, 'request', s.requestHeaders.entries.length, endOfStream ? 1 : 0);
  }

  onRequestBody(s: StreamContext, endOfStream: boolean): boolean {
    return this.phase('proxy_on_request_body', s, 'request', s.requestBody.length, endOfStream ? 1 : 0);
  }

  onRequestTrailers(s: StreamContext): boolean {
    return this.phase('proxy_on_request_trailers', s, 'request', s.requestTrailers.entries.length);
  }

  onResponseHeaders(s: StreamContext, endOfStream: boolean): boolean {
    return this.phase('proxy_on_response_headers', s, 'response', s.responseHeaders.entries.length, endOfStream ? 1 : 0);
  }

  onResponseBody(s: StreamContext, endOfStream: boolean): boolean {
    return this.phase('proxy_on_response_body', s, 'response', s.responseBody.length, endOfStream ? 1 : 0);
  }

  onResponseTrailers(s: StreamContext): boolean {
    return this.phase('proxy_on_response_trailers', s, 'response', s.responseTrailers.entries.length);
  }

  /** End of stream in Envoy's order: on_done (filter destroyed), on_log (access log), on_delete. */
  finishStream(s: StreamContext): void {
    try {
      const budgetMs = this.services.callbackBudgetMs;
      this.invoke('proxy_on_done', s.id, budgetMs, s.id);
      this.invoke('proxy_on_log', s.id, budgetMs, s.id);
      this.invoke('proxy_on_delete', s.id, budgetMs, s.id);
    } finally {
      this.contexts.delete(s.id);
    }
  }

  // ---- work started by the filter that reports back later ----

  /** Runs a tick, queue or callout callback on the root context; failures reach onFailure. */
  private deliver(callback: string, args: number[], callout?: CalloutResponse): void {
    if (this.failure || this.closed) return;
    this.calloutResponse = callout;
    try {
      this.invoke(callback, ROOT_CONTEXT_ID, this.services.callbackBudgetMs, ...args);
    } catch (err) {
      if (!(err instanceof VmFailure)) throw err; // reported through onFailure already
    } finally {
      this.calloutResponse = undefined;
    }
  }

  setTickPeriod(ms: number): void {
    if (!this.closed && !this.failure) this.background.setTickPeriod(ms);
  }

  notifyQueueReady(token: number): void {
    this.deliver('proxy_on_queue_ready', [ROOT_CONTEXT_ID, token]);
  }

  startCallout(req: CalloutRequest): number {
    return this.background.startCallout(req);
  }

  /** proxy_done: the root context finished what it deferred in on_done. */
  markDone(): boolean {
    const signal = this.doneSignal;
    this.doneSignal = undefined;
    signal?.();
    return signal !== undefined;
  }

  // ---- shutdown ----

  /**
   * Plugin teardown: root on_done (waiting up to `graceMs` for proxy_done if it answers false), then
   * on_delete. Requests still paused in the filter are answered 503 and skip the remaining callbacks.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (!this.failure && this.has('proxy_on_done') && !this.invoke('proxy_on_done', ROOT_CONTEXT_ID, this.services.callbackBudgetMs, ROOT_CONTEXT_ID)) {
        // The filter has work in flight (callouts, queues): let it finish until it calls proxy_done.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          this.doneSignal = () => (clearTimeout(timer), resolve());
        });
      }
      this.background.stop(false);
      if (!this.failure) this.invoke('proxy_on_delete', ROOT_CONTEXT_ID, this.services.callbackBudgetMs, ROOT_CONTEXT_ID);
    } catch {
      // A filter failing while being torn down changes nothing for the caller.
    } finally {
      this.closed = true;
      this.background.stop(true);
      for (const ctx of this.contexts.values()) {
        if (ctx.kind !== 'stream') continue;
        ctx.localReply ??= { status: 503, details: 'wasm_plugin_closed', body: new Uint8Array(0), headers: [] };
        ctx.wake();
      }
    }
  }
}
