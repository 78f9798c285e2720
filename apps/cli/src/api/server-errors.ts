// The management server's error answers ({error, message, problems?}) as CliErrors: its message (and each field
// problem on its own line), the exit code scripts rely on, and a hint saying what to do.
import { CliError } from '../cli-error.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { TOKEN_HINT } from './server-options.js';

export interface FieldProblem {
  field: string;
  reason: string;
}

export interface ServerErrorBody {
  error?: string;
  message?: string;
  problems?: FieldProblem[];
}

export interface RequestContext {
  method: string;
  path: string;
  server: string;
  /** what was sent, for "… is invalid:" (e.g. `the rollout in rollout.yaml`); default: the request */
  subject?: string;
  /** hints by the server's `error` code or HTTP status, overriding the defaults */
  hints?: Record<string, string>;
}

function asBody(body: unknown): ServerErrorBody {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as ServerErrorBody;
  if (typeof body === 'string' && body.trim()) return { message: body.trim().slice(0, 300) };
  return {};
}

const problemLines = (problems: readonly FieldProblem[]) =>
  problems.map((p) => `    ${p.field || '(document)'}: ${p.reason}`).join('\n');

const DEFAULT_HINTS: Record<string, string> = {
  comment_required: "pass --comment '<why>'",
  four_eyes: 'the author of a revision may not approve it: ask another approver (four-eyes)',
  forbidden: 'use a token holding a role that may do this (an admin mints one with POST /api/v1/tokens)',
  contention: 'run the command again',
};

export function serverError(status: number, rawBody: unknown, ctx: RequestContext): CliError {
  const body = asBody(rawBody);
  const code = typeof body.error === 'string' ? body.error : '';
  const message = typeof body.message === 'string' && body.message ? body.message : `HTTP ${status}`;
  const hint = ctx.hints?.[code] ?? ctx.hints?.[String(status)] ?? DEFAULT_HINTS[code];
  const fail = (text: string, exit: ExitCodeValue, h: string | undefined = hint) => new CliError(text, exit, h);

  if (status === 401) return fail(`the server at ${ctx.server} refused the token: ${message}`, ExitCode.auth, TOKEN_HINT);
  if (status === 404) return fail(message, ExitCode.notFound);
  if (status === 403 || status === 409) return fail(message, ExitCode.refused);
  if (status === 400 || status === 422 || status === 413 || status === 415) {
    const problems = Array.isArray(body.problems) ? body.problems.filter((p) => p && typeof p.reason === 'string') : [];
    const subject = ctx.subject ?? `${ctx.method} ${ctx.path}`;
    if (problems.length > 0) return fail(`${subject} is invalid:\n${problemLines(problems)}`, ExitCode.usage);
    return fail(`${subject} was refused: ${message}`, ExitCode.usage);
  }
  if (status >= 500) {
    return fail(`the server failed on ${ctx.method} ${ctx.path} (HTTP ${status}): ${message}`, ExitCode.failure, hint ?? "see the server's log");
  }
  return fail(`${ctx.method} ${ctx.path} answered HTTP ${status}: ${message}`, ExitCode.failure);
}

/** No answer from the server (nothing listening, DNS, TLS, timeout, a dropped stream): worth retrying. */
export class UnreachableError extends CliError {}

/** fetch failed before any answer, or a stream broke off. */
export function unreachableError(server: string, err: unknown): UnreachableError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const name = (err as Error)?.name;
  const why = name === 'TimeoutError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err));
  return new UnreachableError(
    `cannot reach the management server at ${server}: ${why}`,
    ExitCode.failure,
    'is it running (npm start)? point --server or WASMFLEET_SERVER at it',
  );
}
