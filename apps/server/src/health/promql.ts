// The PromQL the Prometheus health source sends. Label values come from rollout specs and node metadata, so
// they are always written as escaped string literals and matched with `=`: a value can never end the
// selector or become a regular expression.

/** A PromQL double-quoted string literal. JSON's escapes (\" \\ \n \t \uXXXX …) are all valid PromQL escapes. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `metric{a="…",b="…"}` with every value escaped. */
export function selector(metric: string, labels: Readonly<Record<string, string>>): string {
  if (!METRIC_NAME.test(metric)) throw new Error(`invalid metric name ${JSON.stringify(metric)}`);
  const matchers = Object.entries(labels).map(([name, value]) => {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid label name ${JSON.stringify(name)}`);
    return `${name}=${promString(value)}`;
  });
  return `${metric}{${matchers.join(',')}}`;
}

/**
 * How much counters grew over the last `windowMs`, summed (`by` some labels, if given).
 *
 * `increase()` alone misses what a series held at its first scrape: Prometheus 2 cannot tell a new series'
 * first value from growth before it. A canary's series are new by nature (a new version label; a 5xx
 * counter appears with the first 5xx), so its first errors would vanish. The second term adds the first
 * value of series born inside the window: absent at its start (`unless … offset`) although their target was
 * already being scraped then (`up offset`). Without that guard, a proxy Prometheus only just discovered
 * would have its whole history counted as the window's.
 */
export function increaseQuery(metric: string, labels: Readonly<Record<string, string>>, windowMs: number, by: readonly string[] = []): string {
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new Error(`window must be a whole number of milliseconds ≥ 1, got ${windowMs}`);
  for (const label of by) if (!LABEL_NAME.test(label)) throw new Error(`invalid label name ${JSON.stringify(label)}`);
  const s = selector(metric, labels);
  const range = `[${windowMs}ms]`;
  const offset = `offset ${windowMs}ms`;
  const sum = by.length > 0 ? `sum by (${by.join(',')})` : 'sum';
  const grown = `${sum} (increase(${s}${range}))`;
  const born = `${sum} ((min_over_time(${s}${range}) unless ${s} ${offset}) and on (job, instance) (up ${offset} == 1))`;
  return `(${grown} + ${born}) or ${grown} or ${born}`;
}
