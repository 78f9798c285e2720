// Latency histograms as proxies report them (cumulative-free bucket counts with upper bounds), and the
// quantiles the analysis compares. Interpolates linearly inside a bucket, as Prometheus' histogram_quantile.

export interface LatencyHistogram {
  /** Upper bounds of the buckets in milliseconds, ascending. */
  bounds: number[];
  /** Count per bucket; one more entry than `bounds` holds the overflow (> last bound). */
  counts: number[];
}

export interface Quantile {
  /** Milliseconds; when `overflow`, the last finite bound (the true value is larger). */
  ms: number;
  overflow: boolean;
}

/** The q-quantile (0 < q ≤ 1), or undefined for an empty histogram. */
export function histogramQuantile(histogram: LatencyHistogram, q: number): Quantile | undefined {
  const total = histogram.counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < histogram.counts.length; i++) {
    const count = histogram.counts[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const upper = histogram.bounds[i];
      if (upper === undefined) return { ms: histogram.bounds.at(-1) ?? 0, overflow: true };
      const lower = i === 0 ? 0 : (histogram.bounds[i - 1] ?? 0);
      return { ms: lower + ((upper - lower) * (rank - below)) / count, overflow: false };
    }
    below += count;
  }
  return { ms: histogram.bounds.at(-1) ?? 0, overflow: true };
}

/** Adds histograms with the same bounds (e.g. every proxy's, or every interval of a window). */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram | undefined {
  const first = histograms[0];
  if (first === undefined) return undefined;
  const counts = new Array<number>(first.bounds.length + 1).fill(0);
  for (const h of histograms) {
    if (h.bounds.length !== first.bounds.length || h.bounds.some((b, i) => b !== first.bounds[i])) {
      throw new Error(`histogram bounds differ: [${h.bounds.join(',')}] vs [${first.bounds.join(',')}]; proxies must report the same buckets`);
    }
    h.counts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
  }
  return { bounds: [...first.bounds], counts };
}
