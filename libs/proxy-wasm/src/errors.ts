// Errors of loading and starting a filter. Messages say what was expected, what was found and, when
// there is one, what to do.

import type { FilterLogEntry } from './types.js';

export type WasmFilterErrorKind =
  | 'not-wasm'
  | 'no-abi'
  | 'missing-import'
  | 'compile'
  | 'vm-start'
  | 'configure'
  | 'trap'
  | 'timeout';

export class WasmFilterError extends Error {
  constructor(
    readonly kind: WasmFilterErrorKind,
    message: string,
    /** Filter logs emitted up to the failure (start-up errors), newest last. */
    readonly logs: FilterLogEntry[] = [],
  ) {
    super(message);
    this.name = 'WasmFilterError';
  }
}

/** A trap or budget overrun inside a callback; the VM that raised it is unusable afterwards. */
export class VmFailure extends Error {
  constructor(
    readonly kind: 'trap' | 'timeout',
    /** The callback that failed, e.g. `proxy_on_request_headers`. */
    readonly callback: string,
    readonly reason: string,
  ) {
    super(kind === 'timeout' ? `${callback} exceeded its time budget (${reason})` : `${callback} trapped: ${reason}`);
    this.name = 'VmFailure';
  }
}

/** Thrown by WASI proc_exit: the module asked to terminate. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`the module called proc_exit(${code})`);
    this.name = 'ProcExit';
  }
}
