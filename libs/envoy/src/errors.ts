/** A config that cannot be encoded or decoded as Envoy expects it: names the field and the reason. */
export class EnvoyConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'EnvoyConfigError';
  }
}
