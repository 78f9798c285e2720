// The one error type commands throw: a message a person can act on and the exit code a script can act on.
// Errors of the libraries (OciError, WasmFilterError) are translated here, in one place.
import type { OciError, OciErrorCode } from '@wasmfleet/oci';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
    /** printed after the message on its own line: what to do */
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string, hint?: string) => new CliError(message, ExitCode.usage, hint);
export const notFoundError = (message: string, hint?: string) => new CliError(message, ExitCode.notFound, hint);
export const verificationError = (message: string, hint?: string) => new CliError(message, ExitCode.verification, hint);

const OCI_EXIT: Record<OciErrorCode, ExitCodeValue> = {
  'invalid-reference': ExitCode.usage,
  'insecure-not-allowed': ExitCode.usage,
  unauthorized: ExitCode.auth,
  'not-found': ExitCode.notFound,
  'digest-mismatch': ExitCode.verification,
  'not-wasm': ExitCode.verification,
  'wrong-media-type': ExitCode.verification,
  'too-large': ExitCode.failure,
  'registry-error': ExitCode.failure,
  unreachable: ExitCode.failure,
  timeout: ExitCode.failure,
  'forbidden-address': ExitCode.failure,
  aborted: ExitCode.failure,
};

/** By name, not instanceof: this file must not load the OCI library (startup time of commands that never use it). */
function isOciError(err: unknown): err is OciError {
  return err instanceof Error && err.name === 'OciError' && typeof (err as OciError).code === 'string';
}

/** Any thrown value as a CliError; unexpected errors keep their stack for `WASMFLEET_DEBUG=1`. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (isOciError(err)) {
    const tls = err.code === 'unreachable' && /TLS handshake/.test(err.message);
    const hint = err.code === 'insecure-not-allowed' || tls ? 'pass --insecure if this registry serves plain HTTP (no TLS)' : undefined;
    return new CliError(err.message, OCI_EXIT[err.code] ?? ExitCode.failure, hint);
  }
  if (err instanceof Error && err.name === 'WasmFilterError') return new CliError(err.message, ExitCode.verification);
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.path) return new CliError(`${e.path} does not exist`, ExitCode.notFound);
  if (e?.code === 'EACCES' && e.path) return new CliError(`permission denied: ${e.path}`, ExitCode.failure);
  return new CliError(err instanceof Error ? err.message : String(err), ExitCode.failure);
}
