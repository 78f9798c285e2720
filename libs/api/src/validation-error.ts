import type { z } from 'zod';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `spec.module.sha256`. */
  field: string;
  reason: string;
}

/** Input that does not satisfy a schema; carries every problem, each naming its field. */
export class ValidationError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field || '(body)'}: ${p.reason}`).join('; '));
    this.name = 'ValidationError';
  }
}

/** Parses `input` with `schema`, or throws a ValidationError naming each bad field (prefixed by `prefix`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
      reason: issue.message,
    })),
  );
}
