import { OciError } from '@wasmfleet/oci';
import { WasmFilterError } from '@wasmfleet/proxy-wasm';
import { describe, expect, it } from 'vitest';
import { CliError, toCliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

describe('toCliError', () => {
  it.each([
    ['unauthorized', ExitCode.auth],
    ['not-found', ExitCode.notFound],
    ['digest-mismatch', ExitCode.verification],
    ['not-wasm', ExitCode.verification],
    ['invalid-reference', ExitCode.usage],
    ['insecure-not-allowed', ExitCode.usage],
    ['unreachable', ExitCode.failure],
    ['registry-error', ExitCode.failure],
  ] as const)('maps OciError %s to exit %i', (code, exit) => {
    const e = toCliError(new OciError(code, `message for ${code}`));
    expect(e.exitCode).toBe(exit);
    expect(e.message).toBe(`message for ${code}`);
  });

  it('hints at --insecure for plain HTTP and failed TLS handshakes', () => {
    expect(toCliError(new OciError('insecure-not-allowed', 'refusing plain HTTP')).hint).toContain('--insecure');
    expect(toCliError(new OciError('unreachable', 'cannot reach h: the TLS handshake failed')).hint).toContain('--insecure');
    expect(toCliError(new OciError('unreachable', 'ECONNREFUSED: nothing listens there')).hint).toBeUndefined();
  });

  it('maps filter load and start errors to verification failures', () => {
    expect(toCliError(new WasmFilterError('no-abi', 'no ABI')).exitCode).toBe(ExitCode.verification);
  });

  it('maps a missing file to not found, and keeps CliErrors as they are', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x/y.wasm' });
    expect(toCliError(enoent)).toMatchObject({ exitCode: ExitCode.notFound, message: '/x/y.wasm does not exist' });
    const own = new CliError('own', ExitCode.usage, 'do this');
    expect(toCliError(own)).toBe(own);
    expect(toCliError(new Error('boom')).exitCode).toBe(ExitCode.failure);
  });
});
