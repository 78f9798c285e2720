// The client side of xDS (a proxy or an agent receiving resources): what it does with what it receives.
import type { VersionedResource } from '../types.js';

export interface ReceivedChange {
  updated: VersionedResource[];
  removed: string[];
}

/**
 * Applies one response's resources. Resolves with undefined to ACK, or with a message to NACK (the client then
 * keeps what it had). Responses are applied one at a time, in order.
 */
export interface ResourceApplier {
  apply(change: ReceivedChange): Promise<string | undefined>;
}

/** Envoy NACKs with google.rpc.Code INTERNAL and the reason as text. */
export const NACK_CODE_INTERNAL = 13;

/** Runs tasks one after the other; a failing task does not stop the next. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  push(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
