// Text output of the rollout commands: a rollout's details (`get`), its summary with what can be done next
// (`status`, the actions), one line per change (`status --watch`), and the tables of `list`, `history`,
// `approvals` and `audit`. `-o json|yaml` prints the server's objects instead.
import { table } from '../output/table.js';
import { keyValues } from '../output/text.js';
import type { Artifact, AuditEntry, HistoryItem, RolloutView } from './rollout-view.js';

/** 2025-01-02T10:11:12.345Z → 2025-01-02 10:11:12Z */
export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** How long ago, kubectl style: 42s, 5m, 3h, 2d. */
export function formatAge(iso: string | undefined | null, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const percent = (share: number | undefined) => `${Math.round((share ?? 0) * 1000) / 10}%`;

export function formatArtifact(a: Artifact | null | undefined): string {
  if (!a) return '(none)';
  const sha = a.sha256 ? ` sha256:${a.sha256.slice(0, 12)}` : ' (not validated yet)';
  return `r${a.revision} ${a.image}${sha}`;
}

/** The CLI command for each action the server allows (view.allowedActions). */
const ACTION_COMMANDS: Record<string, string> = {
  Approve: 'approve',
  Reject: 'reject',
  Pause: 'pause',
  Resume: 'resume',
  Promote: 'promote',
  PromoteFull: 'promote --full',
  Abort: 'abort',
  Retry: 'retry',
  Rollback: 'rollback',
};

export function actionCommands(view: Pick<RolloutView, 'allowedActions'>): string[] {
  return (view.allowedActions ?? []).map((a) => ACTION_COMMANDS[a] ?? a);
}

export function rolloutDetails(v: RolloutView): string {
  const analysis = v.analysis
    ? `${v.analysis.measurements ?? 0} measurements (${v.analysis.passes ?? 0} passed, ${v.analysis.failures ?? 0} failed)` +
      (v.analysis.windowEndsAt ? `, window ends ${formatTime(v.analysis.windowEndsAt)}` : '')
    : undefined;
  const approval = v.approval
    ? `by ${v.approval.roles.join(' or ')}${v.approval.requireComment ? ' with a comment' : ''}, requested ${formatTime(v.approval.requestedAt)}, times out ${formatTime(v.approval.timeoutAt)}`
    : undefined;
  return [
    `${v.id}  revision ${v.revision}  ${v.phase}`,
    keyValues(
      [
        ['phase', v.phase],
        ['message', v.message],
        ['step', v.currentStep !== v.message ? v.currentStep : undefined],
        ['slot', v.slot],
        ['candidate', formatArtifact(v.candidate)],
        ['stable', formatArtifact(v.stable)],
        ['canary', `${percent(v.canary?.share)} of proxies`],
        ['approval', approval],
        ['analysis', analysis],
        ['revisions', v.latestRevision !== v.revision ? `${v.revision} of ${v.latestRevision}` : undefined],
        ['created', `${formatTime(v.createdAt)} by ${v.createdBy}`],
        ['updated', formatTime(v.updatedAt)],
        ['actions', actionCommands(v).join(', ') || '(none)'],
      ],
      '  ',
    ),
  ].join('\n');
}

/** `bookinfo/add-header r1 AwaitingApproval: awaiting approval by approver (timeout 1h)` and what to do next. */
export function rolloutSummary(v: RolloutView): string {
  const lines = [`${v.id} r${v.revision} ${v.phase}: ${v.message}`];
  if (v.currentStep && !v.message.includes(v.currentStep)) lines.push(`  ${v.currentStep}`);
  if (v.phase !== 'Succeeded' && v.canary?.share) lines.push(`  candidate on ${percent(v.canary.share)} of proxies`);
  const next = actionCommands(v);
  if (next.length > 0) lines.push(`  actions: ${next.join(', ')} (wasmfleet rollout <action> ${v.id})`);
  return lines.join('\n');
}

/** One line of `status --watch`. */
export function rolloutLine(v: RolloutView): string {
  const time = formatTime(v.updatedAt).slice(11) || formatTime(new Date().toISOString()).slice(11);
  return `${time}  ${v.id}  r${v.revision}  ${v.phase.padEnd(16)}  ${v.message}`;
}

export function rolloutTable(items: readonly RolloutView[], now = Date.now()): string {
  if (items.length === 0) return 'no rollouts (apply one with `wasmfleet rollout apply -f rollout.yaml`)';
  return table(
    ['ROLLOUT', 'REVISION', 'PHASE', 'STEP', 'CANARY', 'AGE', 'MESSAGE'],
    items.map((v) => [v.id, v.revision, v.phase, `${Math.min(v.stepIndex + 1, v.stepCount)}/${v.stepCount}`, percent(v.canary?.share), formatAge(v.updatedAt, now), v.message]),
  );
}

export function approvalsTable(items: ReadonlyArray<RolloutView & { approval: NonNullable<RolloutView['approval']> }>): string {
  if (items.length === 0) return 'no rollouts are waiting for approval';
  return [
    table(
      ['ROLLOUT', 'REVISION', 'STEP', 'ROLES', 'APPLIED BY', 'REQUESTED', 'TIMES OUT'],
      items.map((v) => [
        v.id,
        v.revision,
        `${v.approval.stepIndex + 1}/${v.stepCount}`,
        `${v.approval.roles.join(' or ')}${v.approval.requireComment ? ' (comment required)' : ''}`,
        v.createdBy,
        formatTime(v.approval.requestedAt),
        formatTime(v.approval.timeoutAt),
      ]),
    ),
    '',
    "approve with `wasmfleet rollout approve <rollout> --comment '…'`, or reject it",
  ].join('\n');
}

const actorName = (a: AuditEntry['actor']) => (typeof a === 'object' && a ? a.id : (a ?? ''));

export function auditTable(items: readonly AuditEntry[]): string {
  if (items.length === 0) return 'no audit entries match';
  return table(
    ['TIME', 'ROLLOUT', 'ACTION', 'ACTOR', 'REVISION', 'PHASE', 'WHY'],
    items.map((e) => [
      formatTime(e.at),
      e.rolloutId,
      e.action,
      actorName(e.actor),
      e.after?.revision,
      e.before && e.after && e.before.phase !== e.after.phase ? `${e.before.phase} → ${e.after.phase}` : (e.after?.phase ?? ''),
      e.comment ? `${e.reason?.message ?? ''} — "${e.comment}"` : e.reason?.message,
    ]),
  );
}

export function historyTable(id: string, items: readonly HistoryItem[]): string {
  if (items.length === 0) return `${id} has no revisions`;
  return table(
    ['REVISION', 'OUTCOME', 'SHA256', 'IMAGE'],
    [...items]
      .sort((a, b) => b.revision - a.revision)
      .map((h) => [
        h.revision,
        h.outcome ?? '-',
        h.artifact?.sha256 ? h.artifact.sha256.slice(0, 12) : '-',
        h.image,
      ]),
  );
}
