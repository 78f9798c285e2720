// The host side of metering: a time budget per top-level callback into the VM. Metered code calls
// `refuel` each time it has spent a chunk of fuel (at most about a million instructions); refuel grants
// another chunk while the callback is within its budget and -1 once it is over, which makes the module
// trap with `unreachable`. Nested entries (the host calling the module's allocator from inside a host
// function) share the deadline of the callback that contains them.
//
// The clock is read lazily: the deadline is set at a callback's first refuel, not at its start, so the
// common callback that never spends a chunk costs no clock read. A callback is therefore stopped after
// at most its budget plus one chunk of work (a few milliseconds).

import { performance } from 'node:perf_hooks';

/** Fuel granted per refuel: bounds the work between two clock checks to a few milliseconds. */
export const FUEL_CHUNK = 1_000_000;

export class CallbackBudget {
  private budgetMs = 0;
  private deadline = Number.NaN;
  private depth = 0;
  /** Set when the running callback went over its budget; cleared when the next one starts. */
  expired = false;

  readonly refuel = (): number => {
    if (this.depth === 0) return FUEL_CHUNK;
    const now = performance.now();
    if (Number.isNaN(this.deadline)) {
      this.deadline = now + this.budgetMs;
    } else if (now > this.deadline) {
      this.expired = true;
      return -1;
    }
    return FUEL_CHUNK;
  };

  /** Marks the start of a (possibly nested) call into the module; pair with leave(). */
  enter(budgetMs: number): void {
    if (this.depth++ === 0) {
      this.budgetMs = budgetMs;
      this.deadline = Number.NaN;
      this.expired = false;
    }
  }

  leave(): void {
    this.depth--;
  }

  run<T>(budgetMs: number, fn: () => T): T {
    this.enter(budgetMs);
    try {
      return fn();
    } finally {
      this.leave();
    }
  }
}
