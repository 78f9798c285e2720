// Runs exchanges through a filter the way a proxy would, against a stub upstream that answers the given response,
// and records what the filter did to each: header changes on both sides, local reply, logs, failure, and the
// plugin's metrics at the end. Pure reporting: whether that is a success is the caller's decision.
import {
  FilterPlugin,
  SharedState,
  WasmFilterError,
  loadFilterModule,
  type ExchangeResult,
  type FailurePolicy,
  type FilterLogEntry,
  type HttpRequest,
  type LogLevel,
  type MetricValue,
} from '@wasmfleet/proxy-wasm';
import type { ExchangeSpec } from './exchange-spec.js';
import { checkExpectations, type ExpectationResult } from './expectations.js';
import { diffHeaders, type HeaderDiff } from './header-diff.js';

export interface FilterRunOptions {
  name: string;
  rootId: string;
  pluginConfig: string;
  vmConfig: string;
  failurePolicy: FailurePolicy;
  logLevel: LogLevel;
  repeat: number;
  callbackBudgetMs?: number;
}

export interface BodyView {
  size: number;
  text?: string;
  base64?: string;
}

export interface ExchangeReport {
  n: number;
  request: { method: string; path: string; authority: string };
  status: number;
  upstreamCalled: boolean;
  /** changes to the request on its way upstream (absent when the upstream was not called) */
  requestChanges?: HeaderDiff & { pseudo: { name: string; before: string; after: string }[]; body?: { before: number; after: number } };
  /** changes to the response on its way back: against the upstream's response, or the filter's own local reply */
  responseChanges: HeaderDiff & { status?: { before: number; after: number }; body?: { before: number; after: number } };
  localReply?: { status: number; details: string; headers: [string, string][]; body: BodyView };
  failure?: ExchangeResult['failure'];
  reset?: boolean;
  response: { status: number; headers: [string, string][]; body: BodyView };
  logs: FilterLogEntry[];
  expectations: ExpectationResult[];
}

export interface FilterRunReport {
  module: { path: string; sha256: string; size: number; abi: string; warnings: string[] };
  plugin: { name: string; rootId: string; failurePolicy: FailurePolicy; config: string; vmConfig: string };
  started: boolean;
  startError?: { kind: string; message: string };
  startLogs: FilterLogEntry[];
  exchanges: ExchangeReport[];
  metrics: MetricValue[];
  vmFailures: number;
  /** no start error, no failure, every expectation met */
  ok: boolean;
}

export function bodyView(bytes: Uint8Array | undefined): BodyView {
  const b = Buffer.from(bytes ?? new Uint8Array(0));
  const text = b.toString('utf8');
  return Buffer.from(text, 'utf8').equals(b) ? { size: b.length, text } : { size: b.length, base64: b.toString('base64') };
}

function pseudoChanges(before: HttpRequest, after: HttpRequest) {
  const fields = ['method', 'path', 'authority', 'scheme'] as const;
  return fields.filter((f) => before[f] !== after[f]).map((f) => ({ name: `:${f}`, before: before[f], after: after[f] }));
}

function describeExchange(n: number, spec: ExchangeSpec, result: ExchangeResult, logs: FilterLogEntry[], upstreamCalled: boolean): ExchangeReport {
  const { request } = spec;
  const baseline = result.localReply
    ? { status: result.localReply.status, headers: result.localReply.headers.filter(([k]) => !k.startsWith(':')), body: result.localReply.body }
    : spec.response;
  const responseChanges: ExchangeReport['responseChanges'] = diffHeaders(baseline.headers, result.response.headers);
  if (baseline.status !== result.response.status) responseChanges.status = { before: baseline.status, after: result.response.status };
  const beforeBody = baseline.body?.length ?? 0;
  const afterBody = result.response.body?.length ?? 0;
  if (!Buffer.from(baseline.body ?? []).equals(Buffer.from(result.response.body ?? []))) responseChanges.body = { before: beforeBody, after: afterBody };
  const report: ExchangeReport = {
    n,
    request: { method: request.method, path: request.path, authority: request.authority },
    status: result.response.status,
    upstreamCalled,
    responseChanges,
    response: { status: result.response.status, headers: result.response.headers, body: bodyView(result.response.body) },
    logs,
    expectations: checkExpectations(spec.expect, result),
  };
  if (result.upstreamRequest && upstreamCalled) {
    const up = result.upstreamRequest;
    const changes: NonNullable<ExchangeReport['requestChanges']> = { ...diffHeaders(request.headers, up.headers), pseudo: pseudoChanges(request, up) };
    if (!Buffer.from(request.body ?? []).equals(Buffer.from(up.body ?? []))) changes.body = { before: request.body?.length ?? 0, after: up.body?.length ?? 0 };
    report.requestChanges = changes;
  }
  if (result.localReply) {
    const r = result.localReply;
    report.localReply = { status: r.status, details: r.details, headers: r.headers, body: bodyView(r.body) };
  }
  if (result.failure) report.failure = result.failure;
  if (result.reset) report.reset = true;
  return report;
}

export async function runFilter(modulePath: string, bytes: Uint8Array, spec: ExchangeSpec, opts: FilterRunOptions): Promise<FilterRunReport> {
  const mod = await loadFilterModule(bytes);
  let captured: FilterLogEntry[] = [];
  const report: FilterRunReport = {
    module: { path: modulePath, sha256: mod.sha256, size: mod.size, abi: mod.abi, warnings: mod.warnings },
    plugin: { name: opts.name, rootId: opts.rootId, failurePolicy: opts.failurePolicy, config: opts.pluginConfig, vmConfig: opts.vmConfig },
    started: false,
    startLogs: [],
    exchanges: [],
    metrics: [],
    vmFailures: 0,
    ok: false,
  };
  let plugin: FilterPlugin;
  try {
    plugin = await FilterPlugin.start(mod, {
      name: opts.name,
      rootId: opts.rootId,
      pluginConfig: opts.pluginConfig,
      vmConfig: opts.vmConfig,
      failurePolicy: opts.failurePolicy,
      logLevel: opts.logLevel,
      // a private store: nothing shared with other plugins of this process
      sharedState: new SharedState(),
      logger: (level, message) => captured.push({ level, message }),
      ...(opts.callbackBudgetMs ? { callbackBudgetMs: opts.callbackBudgetMs } : {}),
    });
  } catch (err) {
    if (!(err instanceof WasmFilterError)) throw err;
    report.startError = { kind: err.kind, message: err.message };
    report.startLogs = captured;
    return report;
  }
  report.started = true;
  report.startLogs = captured;
  let upstreamCalls = 0;
  const upstream = async () => {
    upstreamCalls++;
    return { ...spec.response, headers: spec.response.headers.map(([k, v]): [string, string] => [k, v]) };
  };
  try {
    for (let n = 1; n <= opts.repeat; n++) {
      captured = [];
      const callsBefore = upstreamCalls;
      const request = { ...spec.request, headers: spec.request.headers.map(([k, v]): [string, string] => [k, v]) };
      const result = await plugin.handle(request, upstream);
      report.exchanges.push(describeExchange(n, spec, result, captured, upstreamCalls > callsBefore));
    }
    report.metrics = plugin.metrics();
    report.vmFailures = plugin.vmFailures();
  } finally {
    await plugin.close();
  }
  report.ok = report.exchanges.every((e) => !e.failure && e.expectations.every((x) => x.ok));
  return report;
}
