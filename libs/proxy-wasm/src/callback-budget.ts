// The host side of metering: a time budget per top-level callback into the VM. Metered code calls
// `refuel` each time it spends a chunk of fuel (about a million instructions at most); refuel grants
// another chunk while the callback is within its budget and -1 once it is over, which makes the module
// trap with `unreachable`. Nested entries (the host calling the module's allocator from inside a host
// function) share the deadline of the callback that contains them.

import { performance } from 'node:perf_hooks';

/** Fuel granted per refuel: bounds the time between two clock checks to a few milliseconds. */
export const FUEL_CHUNK = 1_000_000;

export class CallbackBudget {
  private deadline = Number.POSITIVE_INFINITY;
  private depth = 0;
  /** Set when the running callback went over its budget; cleared when the next one starts. */
  expired = false;

  readonly refuel = (): number => {
    if (this.depth > 0 && performance.now() > this.deadline) {
      this.expired = true;
      return -1;
    }
    return FUEL_CHUNK;
  };

  run<T>(budgetMs: number, fn: () => T): T {
    if (this.depth === 0) {
      this.deadline = performance.now() + budgetMs;
      this.expired = false;
    }
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }
}
