// Domain errors of the slot store; the HTTP adapter maps them to status codes.
export class SlotNotFoundError extends Error {
  constructor(readonly slot: string) {
    super(`slot "${slot}" does not exist`);
    this.name = 'SlotNotFoundError';
  }
}

export class SlotExistsError extends Error {
  constructor(readonly slot: string) {
    super(`slot "${slot}" already exists; update it with PUT /api/v1/slots/${slot}`);
    this.name = 'SlotExistsError';
  }
}

export class SlotVersionConflictError extends Error {
  constructor(
    readonly slot: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`slot "${slot}" is at version ${actual}, not ${expected}: read it again and retry`);
    this.name = 'SlotVersionConflictError';
  }
}
