// The human rendering of a filter test: for each exchange, what the filter changed on the way up and on the way
// back, whether it answered locally, what it logged and whether it failed; then its metrics and a verdict.
import type { FilterLogEntry } from '@wasmfleet/proxy-wasm';
import { formatBytes } from '@wasmfleet/oci';
import { quoteText } from '../output/text.js';
import type { HeaderDiff } from './header-diff.js';
import type { BodyView, ExchangeReport, FilterRunReport } from './filter-run.js';

const logLine = (l: FilterLogEntry) => `[${l.level}] ${l.message}`;
const bodyText = (b: BodyView) => (b.size === 0 ? '(empty)' : b.text !== undefined ? quoteText(b.text) : `${b.size} bytes (binary)`);

function diffLines(title: string, d: HeaderDiff, extra: string[]): string[] {
  const lines = [
    ...extra,
    ...d.added.map((h) => `+ ${h.name}: ${h.value}`),
    ...d.removed.map((h) => `- ${h.name}: ${h.value}`),
    ...d.changed.map((h) => `~ ${h.name}: ${h.before.join(', ')} → ${h.after.join(', ')}`),
  ];
  if (lines.length === 0) return [`  ${title}: unchanged`];
  return [`  ${title}:`, ...lines.map((l) => `    ${l}`)];
}

function exchangeLines(e: ExchangeReport): string[] {
  const how = e.localReply ? `local reply ${e.localReply.status} (${e.localReply.details})` : 'from the upstream';
  const out = [`#${e.n} ${e.request.method} ${e.request.authority}${e.request.path} → ${e.status}, ${how}`];
  if (e.failure) out.push(`  FAILURE ${e.failure.kind}: ${e.failure.message} (failure policy ${e.failure.policy})`);
  if (e.reset) out.push('  the filter closed the stream (the proxy resets the connection)');
  if (e.requestChanges) {
    const c = e.requestChanges;
    const extra = [...c.pseudo.map((p) => `~ ${p.name}: ${p.before} → ${p.after}`), ...(c.body ? [`~ body: ${c.body.before} → ${c.body.after} bytes`] : [])];
    out.push(...diffLines('request headers', c, extra));
  } else {
    out.push('  upstream not called');
  }
  if (e.localReply) {
    // No upstream response to compare with: show what the client gets.
    out.push('  response to the client:', ...e.response.headers.map(([k, v]) => `    ${k}: ${v}`), `    body ${bodyText(e.response.body)}`);
  } else {
    const rc = e.responseChanges;
    const extra = [...(rc.status ? [`~ :status: ${rc.status.before} → ${rc.status.after}`] : []), ...(rc.body ? [`~ body: ${rc.body.before} → ${rc.body.after} bytes`] : [])];
    out.push(...diffLines('response headers', rc, extra));
  }
  if (e.logs.length) out.push('  logs:', ...e.logs.map((l) => `    ${logLine(l)}`));
  for (const x of e.expectations) {
    out.push(`  ${x.ok ? 'ok  ' : 'MISS'} expect ${x.what} = ${x.expected}${x.ok ? '' : ` (got ${x.actual})`}`);
  }
  return out;
}

export function renderFilterRun(r: FilterRunReport): string {
  const m = r.module;
  const out = [
    `filter  ${m.path}  ABI ${m.abi}  ${formatBytes(m.size)}  sha256 ${m.sha256}`,
    `plugin  root id ${r.plugin.rootId}  failure policy ${r.plugin.failurePolicy}  config ${r.plugin.config ? quoteText(r.plugin.config) : '(empty)'}`,
    ...m.warnings.map((w) => `warning: ${w}`),
  ];
  if (!r.started) {
    out.push(`start   FAILED (${r.startError?.kind}): ${r.startError?.message}`);
    out.push(...r.startLogs.map((l) => `  ${logLine(l)}`));
    out.push('result  FAILED: the filter did not start');
    return out.join('\n');
  }
  out.push('start   ok (on_vm_start and on_configure accepted)', ...r.startLogs.map((l) => `  ${logLine(l)}`), '');
  for (const e of r.exchanges) out.push(...exchangeLines(e));
  out.push('', r.metrics.length ? 'metrics:' : 'metrics: (none)');
  for (const metric of r.metrics) {
    out.push(`  ${metric.type} ${metric.name} = ${metric.value}${metric.sum !== undefined ? ` (sum ${metric.sum})` : ''}`);
  }
  out.push(`vm failures: ${r.vmFailures}`);
  const failed = r.exchanges.filter((e) => e.failure).length;
  const missed = r.exchanges.reduce((n, e) => n + e.expectations.filter((x) => !x.ok).length, 0);
  const problems = [failed ? `${failed} exchange(s) hit a filter failure` : '', missed ? `${missed} expectation(s) missed` : ''].filter(Boolean);
  out.push(problems.length ? `result  FAILED: ${problems.join(', ')}` : `result  ok (${r.exchanges.length} exchange(s))`);
  return out.join('\n');
}
