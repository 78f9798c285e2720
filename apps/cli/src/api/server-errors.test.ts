import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exit-codes.js';
import { serverError, unreachableError, UnreachableError } from './server-errors.js';

const ctx = { method: 'POST', path: '/api/v1/rollouts', server: 'http://127.0.0.1:8080' };

describe('serverError', () => {
  it('maps statuses to exit codes: 400 → 2, 401 → 4, 403 and 409 → 6, 404 → 3, 5xx → 1', () => {
    expect(serverError(400, { error: 'invalid_request', message: 'm' }, ctx).exitCode).toBe(ExitCode.usage);
    expect(serverError(401, { error: 'unauthenticated', message: 'invalid bearer token' }, ctx).exitCode).toBe(ExitCode.auth);
    expect(serverError(403, { error: 'four_eyes', message: 'm' }, ctx).exitCode).toBe(ExitCode.refused);
    expect(serverError(409, { error: 'invalid_transition', message: 'm' }, ctx).exitCode).toBe(ExitCode.refused);
    expect(serverError(404, { error: 'not_found', message: 'm' }, ctx).exitCode).toBe(ExitCode.notFound);
    expect(serverError(503, 'Service Unavailable', ctx).exitCode).toBe(ExitCode.failure);
  });

  it('lists each field problem on its own line under the subject', () => {
    const e = serverError(
      400,
      { error: 'invalid_request', message: 'a; b', problems: [{ field: 'spec.filter.sha256', reason: 'must be 64 hex digits' }, { field: '', reason: 'YAML: bad' }] },
      { ...ctx, subject: 'the rollout in r.yaml' },
    );
    expect(e.message).toBe('the rollout in r.yaml is invalid:\n    spec.filter.sha256: must be 64 hex digits\n    (document): YAML: bad');
  });

  it('keeps the server message and picks a hint by error code, the caller’s first', () => {
    const fourEyes = serverError(403, { error: 'four_eyes', message: 'Approve refused (four-eyes)' }, ctx);
    expect(fourEyes.message).toBe('Approve refused (four-eyes)');
    expect(fourEyes.hint).toContain('ask another approver');
    expect(serverError(400, { error: 'comment_required', message: 'needs a comment' }, ctx).hint).toContain('--comment');
    expect(serverError(409, { error: 'slot_busy', message: 'busy' }, { ...ctx, hints: { slot_busy: 'abort it' } }).hint).toBe('abort it');
    expect(serverError(401, { message: 'expired' }, ctx).message).toBe('the server at http://127.0.0.1:8080 refused the token: expired');
  });
});

describe('unreachableError', () => {
  it('names the server and the cause, and is retryable', () => {
    const e = unreachableError('http://127.0.0.1:1', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    expect(e).toBeInstanceOf(UnreachableError);
    expect(e.message).toBe('cannot reach the management server at http://127.0.0.1:1: ECONNREFUSED');
    expect(e.exitCode).toBe(ExitCode.failure);
  });
});
