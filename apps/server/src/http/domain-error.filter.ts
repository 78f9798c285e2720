// The one place where domain errors become HTTP answers: {error, message, problems?}.
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ValidationError } from '@wasmfleet/api';
import { EnvoyConfigError } from '@wasmfleet/envoy';
import { AuthenticationError, AuthorizationError, TokenNotFoundError } from '../auth/auth-errors.js';
import { RolloutActionError, RolloutSpecError } from '@wasmfleet/rollout';
import { RolloutContentionError, RolloutNotFoundError, SlotBusyError } from '../rollouts/rollout-errors.js';
import { SlotExistsError, SlotNotFoundError, SlotVersionConflictError } from '../slots/slot-errors.js';

/** A refused rollout action: who may not (403), what the gate needs (400), or what the phase forbids (409). */
const ROLLOUT_ACTION_STATUS: Record<RolloutActionError['code'], number> = {
  forbidden: 403,
  'four-eyes': 403,
  'comment-required': 400,
  'invalid-transition': 409,
  'unknown-revision': 409,
};

interface Answer {
  status: number;
  body: { error: string; message: string; problems?: { field: string; reason: string }[] };
}

function answerFor(err: unknown): Answer | undefined {
  if (err instanceof ValidationError) {
    return { status: 400, body: { error: 'invalid_request', message: err.message, problems: err.problems } };
  }
  if (err instanceof EnvoyConfigError) {
    return { status: 400, body: { error: 'invalid_request', message: err.message, problems: [{ field: err.field, reason: err.reason }] } };
  }
  if (err instanceof AuthenticationError) return { status: 401, body: { error: 'unauthenticated', message: err.message } };
  if (err instanceof AuthorizationError) return { status: 403, body: { error: 'forbidden', message: err.message } };
  if (err instanceof TokenNotFoundError) return { status: 404, body: { error: 'not_found', message: err.message } };
  if (err instanceof SlotNotFoundError) return { status: 404, body: { error: 'not_found', message: err.message } };
  if (err instanceof SlotExistsError) return { status: 409, body: { error: 'already_exists', message: err.message } };
  if (err instanceof SlotVersionConflictError) return { status: 409, body: { error: 'version_conflict', message: err.message } };
  if (err instanceof RolloutSpecError) {
    return { status: 400, body: { error: 'invalid_request', message: err.message, problems: err.problems } };
  }
  if (err instanceof RolloutActionError) {
    return { status: ROLLOUT_ACTION_STATUS[err.code] ?? 409, body: { error: err.code.replace(/-/g, '_'), message: err.message } };
  }
  if (err instanceof RolloutNotFoundError) return { status: 404, body: { error: 'not_found', message: err.message } };
  if (err instanceof SlotBusyError) return { status: 409, body: { error: 'slot_busy', message: err.message } };
  if (err instanceof RolloutContentionError) return { status: 409, body: { error: 'contention', message: err.message } };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return { status, body: { error: status === 404 ? 'not_found' : 'http_error', message: err.message } };
  }
  // Fastify's own errors (bad JSON, body too large) carry a 4xx statusCode.
  const statusCode = (err as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: 'invalid_request', message: (err as Error).message } };
  }
  return undefined;
}

@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    const answer = answerFor(err);
    if (answer) return reply.status(answer.status).send(answer.body);
    this.logger.error(`unhandled error: ${(err as Error)?.stack ?? String(err)}`);
    reply.status(500).send({ error: 'internal', message: 'internal server error' });
  }
}
