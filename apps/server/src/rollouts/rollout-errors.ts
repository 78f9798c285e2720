// Domain errors of the rollout service; the HTTP adapter maps them to status codes.
export class RolloutNotFoundError extends Error {
  constructor(readonly rolloutId: string) {
    super(`rollout "${rolloutId}" does not exist`);
    this.name = 'RolloutNotFoundError';
  }
}

export class SlotBusyError extends Error {
  constructor(
    readonly slot: string,
    readonly owner: string,
  ) {
    super(`slot "${slot}" is held by rollout "${owner}", which is still in flight: abort it or wait for it to end`);
    this.name = 'SlotBusyError';
  }
}

/** Optimistic concurrency lost too many times in a row: someone else keeps changing the rollout. */
export class RolloutContentionError extends Error {
  constructor(readonly rolloutId: string) {
    super(`rollout "${rolloutId}" is changing too fast to apply this; retry`);
    this.name = 'RolloutContentionError';
  }
}
