// Domain errors of the OCI client and module cache: a stable `code` for programs, a message for people that
// says what was expected, what was found and what to do. Never an HTTP exception: callers map codes themselves.

export type OciErrorCode =
  | 'invalid-reference'
  | 'unauthorized'
  | 'not-found'
  | 'digest-mismatch'
  | 'not-wasm'
  | 'too-large'
  | 'wrong-media-type'
  | 'registry-error'
  | 'unreachable'
  | 'timeout'
  | 'forbidden-address'
  | 'insecure-not-allowed'
  | 'aborted';

export class OciError extends Error {
  override readonly name = 'OciError';
  constructor(
    readonly code: OciErrorCode,
    message: string,
    readonly details: { status?: number; url?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

export function isOciError(err: unknown, code?: OciErrorCode): err is OciError {
  return err instanceof OciError && (code === undefined || err.code === code);
}
