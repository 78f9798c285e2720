// The port the rollout analysis reads health through: what one (slot, version) did over an interval, summed
// over every proxy. Two adapters answer it: DirectStatsScraper (scrapes proxies itself) and
// PrometheusHealthSource (asks a Prometheus that scrapes them). NACKs are counted from ECDS, not here.
import type { HealthSample } from '@wasmfleet/rollout';

export interface HealthQuery {
  slot: string;
  version: string;
  /** Start of the interval (exclusive: traffic up to this instant is not counted). */
  since: Date;
  /** End of the interval (inclusive). */
  until: Date;
}

export interface HealthSource {
  /**
   * The health of `version` in `slot` between `since` and `until`, summed over proxies, with `nacks: 0`.
   * No traffic is a sample of zeros, not an error. Rejects with HealthSourceError only when health cannot
   * be read at all (e.g. Prometheus is down); callers must treat that as no measurement, never as a pass.
   */
  sample(query: HealthQuery): Promise<HealthSample>;
}

export class HealthSourceError extends Error {
  override readonly name = 'HealthSourceError';
  constructor(
    message: string,
    readonly query: HealthQuery,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Rejects queries that cannot mean anything, with a message that says which field is wrong. */
export function checkHealthQuery(query: HealthQuery): void {
  const problem =
    typeof query.slot !== 'string' || query.slot === ''
      ? 'slot must be a non-empty string'
      : typeof query.version !== 'string' || query.version === ''
        ? 'version must be a non-empty string'
        : !(query.since instanceof Date) || Number.isNaN(query.since.getTime())
          ? 'since must be a valid Date'
          : !(query.until instanceof Date) || Number.isNaN(query.until.getTime())
            ? 'until must be a valid Date'
            : query.until.getTime() < query.since.getTime()
              ? `until (${query.until.toISOString()}) is before since (${query.since.toISOString()})`
              : undefined;
  if (problem !== undefined) throw new HealthSourceError(`invalid health query: ${problem}`, query);
}
