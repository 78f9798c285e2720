// A parser of the Prometheus text exposition format (0.0.4), what Envoy's and wasmfleet-proxy's
// /stats/prometheus serve: `# HELP` / `# TYPE` lines, samples `name{label="value",…} value [timestamp]`
// with escaped label values, values incl. +Inf/-Inf/NaN, and histograms (`_bucket{le}`, `_sum`, `_count`)
// grouped under their family. Strict where a mistake would change a number, lenient about blanks.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  /** The sample's own name, e.g. `x_bucket` in the family `x`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: PromSample[];
}

export interface HistogramSeries {
  /** The series' labels without `le`. */
  labels: Record<string, string>;
  /** Cumulative counts by upper bound, ascending; `+Inf` is `Infinity`. */
  buckets: { le: number; count: number }[];
  sum?: number;
  count?: number;
}

export class PrometheusTextError extends Error {
  override readonly name = 'PrometheusTextError';
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    problem: string,
  ) {
    super(`Prometheus text line ${lineNumber}: ${problem}: ${line.length > 120 ? `${line.slice(0, 120)}…` : line}`);
  }
}

export interface ParseOptions {
  /**
   * Keep only the families whose name passes; the rest is skipped before its labels are parsed, which
   * matters on an Envoy that exports thousands of series. Names are family names (`x`, not `x_bucket`).
   */
  keep?: (familyName: string) => boolean;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly MetricType[]> = { _bucket: ['histogram'], _sum: ['histogram', 'summary'], _count: ['histogram', 'summary'] };
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A sample or TYPE value as Go's strconv.ParseFloat reads it (decimal only), or undefined. */
export function parsePromValue(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (!special) return undefined;
  if (special[2]!.toLowerCase() === 'nan') return NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

/** Families by name, in the order they first appear. Throws PrometheusTextError on malformed input. */
export function parsePrometheusText(text: string, options: ParseOptions = {}): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const typed = new Set<string>();
  const keep = options.keep ?? (() => true);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const fail = (problem: string): never => {
      throw new PrometheusTextError(i + 1, line, problem);
    };
    if (trimmed.startsWith('#')) {
      parseCommentLine(trimmed, families, typed, fail);
      continue;
    }
    const nameMatch = METRIC_NAME.exec(trimmed);
    if (!nameMatch) fail('expected a metric name');
    const name = nameMatch![0];
    const family = familyOf(name, families);
    if (!keep(family?.name ?? name)) continue;
    const sample = parseSample(trimmed, name, fail);
    if (family !== undefined) {
      family.samples.push(sample);
    } else {
      families.set(name, { name, type: 'untyped', samples: [sample] });
    }
  }
  for (const name of [...families.keys()]) if (!keep(name)) families.delete(name);
  return families;
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(sampleName);
  if (own !== undefined) return own;
  for (const [suffix, types] of Object.entries(SUFFIXES)) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = families.get(sampleName.slice(0, -suffix.length));
    if (base !== undefined && types.includes(base.type)) return base;
  }
  return undefined;
}

function parseCommentLine(line: string, families: Map<string, MetricFamily>, typed: Set<string>, fail: (p: string) => never): void {
  const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return; // a plain comment (or `# EOF`)
  const [, keyword, name, rest = ''] = m;
  if (METRIC_NAME.exec(name!)?.[0] !== name) fail(`invalid metric name "${name}"`);
  let family = families.get(name!);
  if (keyword === 'TYPE') {
    const type = rest.trim() as MetricType;
    if (!TYPES.has(type)) fail(`unknown metric type "${rest.trim()}"`);
    if (family?.samples.length) fail(`TYPE of ${name} after its samples`);
    if (typed.has(name!)) fail(`second TYPE line for ${name}`);
    if (family === undefined) families.set(name!, (family = { name: name!, type, samples: [] }));
    family.type = type;
    typed.add(name!);
    return;
  }
  if (family?.help !== undefined) fail(`second HELP line for ${name}`);
  if (family === undefined) families.set(name!, (family = { name: name!, type: 'untyped', samples: [] }));
  family.help = unescape(rest, false, fail);
}

function unescape(text: string, quoted: boolean, fail: (p: string) => never): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === '"' && quoted) out += '"';
    else if (!quoted) out += `\\${next ?? ''}`; // HELP text keeps unknown escapes as written, as Prometheus does
    else fail(`invalid escape "\\${next ?? ''}" in a label value (only \\\\, \\" and \\n)`);
  }
  return out;
}

function parseSample(line: string, name: string, fail: (p: string) => never): PromSample {
  let pos = name.length;
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const skipBlanks = () => {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
  };
  const afterName = pos;
  skipBlanks();
  if (line[pos] !== '{') pos = afterName;
  else {
    pos++;
    for (;;) {
      skipBlanks();
      if (line[pos] === '}') break;
      const labelMatch = LABEL_NAME.exec(line.slice(pos));
      if (!labelMatch) fail(`expected a label name or "}" at column ${pos + 1}`);
      const label = labelMatch![0];
      pos += label.length;
      skipBlanks();
      if (line[pos] !== '=') fail(`expected "=" after label ${label}`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') fail(`expected a quoted value for label ${label}`);
      const start = ++pos;
      while (pos < line.length && line[pos] !== '"') pos += line[pos] === '\\' ? 2 : 1;
      if (pos >= line.length) fail(`unterminated value of label ${label}`);
      if (Object.hasOwn(labels, label)) fail(`duplicate label ${label}`);
      labels[label] = unescape(line.slice(start, pos), true, fail);
      pos++;
      skipBlanks();
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') fail(`expected "," or "}" after label ${label}`);
    }
    pos++;
  }
  const rest = line.slice(pos);
  if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') fail(`expected a blank before the value of ${name}`);
  const fields = rest.trim().split(/[ \t]+/).filter((f) => f !== '');
  if (fields.length === 0) fail(`missing value of ${name}`);
  if (fields.length > 2) fail(`unexpected text after the timestamp of ${name}`);
  const value = parsePromValue(fields[0]!);
  if (value === undefined) fail(`invalid value "${fields[0]}" of ${name}`);
  const sample: PromSample = { name, labels, value: value! };
  if (fields.length === 2) {
    if (!/^-?\d+$/.test(fields[1]!)) fail(`invalid timestamp "${fields[1]}" of ${name} (integer milliseconds expected)`);
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** Label set → stable key (sorted pairs), for grouping series. */
export function labelKey(labels: Record<string, string>, without: readonly string[] = []): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => !without.includes(k))
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * The series of a histogram family, grouped by their labels without `le`. Buckets whose `le` is not a
 * number are an error: a silently dropped bucket would shift every quantile.
 */
export function histogramSeries(family: MetricFamily): HistogramSeries[] {
  const byKey = new Map<string, HistogramSeries>();
  const seriesOf = (labels: Record<string, string>) => {
    const key = labelKey(labels, ['le']);
    let series = byKey.get(key);
    if (series === undefined) {
      const own: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(labels)) if (k !== 'le') own[k] = v;
      byKey.set(key, (series = { labels: own, buckets: [] }));
    }
    return series;
  };
  for (const s of family.samples) {
    if (s.name === `${family.name}_bucket`) {
      const raw = s.labels['le'];
      const le = raw === undefined ? undefined : parsePromValue(raw);
      if (le === undefined || Number.isNaN(le)) {
        throw new Error(`histogram ${family.name}: bucket ${labelKey(s.labels)} has no numeric "le" label (found ${JSON.stringify(raw)})`);
      }
      seriesOf(s.labels).buckets.push({ le, count: s.value });
    } else if (s.name === `${family.name}_sum`) {
      seriesOf(s.labels).sum = s.value;
    } else if (s.name === `${family.name}_count`) {
      seriesOf(s.labels).count = s.value;
    }
  }
  const all = [...byKey.values()];
  for (const series of all) series.buckets.sort((a, b) => a.le - b.le);
  return all;
}
