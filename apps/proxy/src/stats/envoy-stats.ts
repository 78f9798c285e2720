// Stats kept the way Envoy names them, rendered as Envoy's /stats (text) and /stats/prometheus, so anything
// that reads a real Envoy's stats can read these. Prometheus names: `envoy_` + the stat name with every
// character outside [a-zA-Z0-9_] turned into `_`; tags become labels.
type Tags = Record<string, string>;

interface Series {
  name: string;
  tags: Tags;
  kind: 'counter' | 'gauge' | 'histogram';
  value: number;
  /** Histograms: cumulative counts per upper bound, plus sum and count. */
  buckets?: number[];
  sum?: number;
}

export const LATENCY_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const promName = (name: string) => `envoy_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
const key = (name: string, tags: Tags) => `${name}|${Object.entries(tags).sort().map(([k, v]) => `${k}=${v}`).join(',')}`;
const labelText = (tags: Tags, extra: Tags = {}) => {
  const all = { ...tags, ...extra };
  const parts = Object.entries(all).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

function observeInto(s: Series, valueMs: number): void {
  s.value += 1;
  s.sum! += valueMs;
  for (let i = LATENCY_BUCKETS_MS.length - 1; i >= 0 && valueMs <= LATENCY_BUCKETS_MS[i]!; i--) s.buckets![i]! += 1;
}

export class EnvoyStats {
  private readonly series = new Map<string, Series>();

  private get(name: string, tags: Tags, kind: Series['kind']): Series {
    const k = key(name, tags);
    let s = this.series.get(k);
    if (!s) {
      s = { name, tags, kind, value: 0, ...(kind === 'histogram' && { buckets: LATENCY_BUCKETS_MS.map(() => 0), sum: 0 }) };
      this.series.set(k, s);
    }
    return s;
  }

  /** A counter to increment many times without looking it up again (hot paths: once per request). */
  counter(name: string, tags: Tags = {}): { inc(by?: number): void } {
    const series = this.get(name, tags, 'counter');
    return { inc: (by = 1) => void (series.value += by) };
  }

  /** A histogram to observe many times without looking it up again. */
  histogram(name: string, tags: Tags = {}): { observe(valueMs: number): void } {
    const series = this.get(name, tags, 'histogram');
    return { observe: (valueMs) => observeInto(series, valueMs) };
  }

  inc(name: string, tags: Tags = {}, by = 1): void {
    this.get(name, tags, 'counter').value += by;
  }

  set(name: string, value: number, tags: Tags = {}): void {
    this.get(name, tags, 'gauge').value = value;
  }

  observe(name: string, valueMs: number, tags: Tags = {}): void {
    observeInto(this.get(name, tags, 'histogram'), valueMs);
  }

  value(name: string, tags: Tags = {}): number {
    return this.series.get(key(name, tags))?.value ?? 0;
  }

  /** Envoy's `/stats` text: `name: value`, tags folded into the name as Envoy does for untagged stats. */
  text(): string {
    return [...this.series.values()]
      .filter((s) => s.kind !== 'histogram')
      .map((s) => `${s.name}${Object.values(s.tags).length ? `.${Object.values(s.tags).join('.')}` : ''}: ${s.value}`)
      .sort()
      .join('\n')
      .concat('\n');
  }

  prometheus(): string {
    const byName = new Map<string, Series[]>();
    for (const s of this.series.values()) {
      const list = byName.get(s.name) ?? [];
      list.push(s);
      byName.set(s.name, list);
    }
    const out: string[] = [];
    for (const [name, list] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
      const p = promName(name);
      out.push(`# TYPE ${p} ${list[0]!.kind}`);
      for (const s of list) {
        if (s.kind !== 'histogram') {
          out.push(`${p}${labelText(s.tags)} ${s.value}`);
          continue;
        }
        LATENCY_BUCKETS_MS.forEach((bound, i) => out.push(`${p}_bucket${labelText(s.tags, { le: String(bound) })} ${s.buckets![i]}`));
        out.push(`${p}_bucket${labelText(s.tags, { le: '+Inf' })} ${s.value}`);
        out.push(`${p}_sum${labelText(s.tags)} ${s.sum}`);
        out.push(`${p}_count${labelText(s.tags)} ${s.value}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}
