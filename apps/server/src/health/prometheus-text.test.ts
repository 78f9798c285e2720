import { describe, expect, it } from 'vitest';
import { histogramSeries, labelKey, parsePrometheusText, parsePromValue, PrometheusTextError } from './prometheus-text.js';

const only = (text: string) => {
  const families = [...parsePrometheusText(text).values()];
  expect(families).toHaveLength(1);
  return families[0]!;
};

describe('parsePromValue', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['-3.5', -3.5],
    ['+7', 7],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    ['.5', 0.5],
    ['5.', 5],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['inf', Infinity],
    ['-Inf', -Infinity],
    ['+infinity', Infinity],
  ])('%s → %s', (text, value) => {
    expect(parsePromValue(text)).toBe(value);
  });

  it.each(['NaN', 'nan', '-NaN'])('%s → NaN', (text) => {
    expect(parsePromValue(text)).toBeNaN();
  });

  it.each(['', ' ', 'abc', '1,5', '0x10', '1e', '--1', 'Infinite', '1_000'])('rejects %j', (text) => {
    expect(parsePromValue(text)).toBeUndefined();
  });
});

describe('parsePrometheusText: samples', () => {
  it.each([
    { line: 'up 1', name: 'up', labels: {}, value: 1 },
    { line: 'a:b_c 2.5', name: 'a:b_c', labels: {}, value: 2.5 },
    { line: 'x{} 3', name: 'x', labels: {}, value: 3 },
    { line: 'x{a="1"} 4', name: 'x', labels: { a: '1' }, value: 4 },
    { line: 'x{a="1",b="two"} 5', name: 'x', labels: { a: '1', b: 'two' }, value: 5 },
    { line: 'x{a="1",} 6', name: 'x', labels: { a: '1' }, value: 6 },
    { line: 'x { a = "1" , b="2" } 7', name: 'x', labels: { a: '1', b: '2' }, value: 7 },
    { line: '  x{a="1"}\t8  ', name: 'x', labels: { a: '1' }, value: 8 },
    { line: 'x{a=""} 9', name: 'x', labels: { a: '' }, value: 9 },
    { line: 'x{path="C:\\\\dir"} 1', name: 'x', labels: { path: 'C:\\dir' }, value: 1 },
    { line: 'x{q="say \\"hi\\""} 1', name: 'x', labels: { q: 'say "hi"' }, value: 1 },
    { line: 'x{m="a\\nb"} 1', name: 'x', labels: { m: 'a\nb' }, value: 1 },
    { line: 'x{m="} 1 {x=\\"y\\"}"} 2', name: 'x', labels: { m: '} 1 {x="y"}' }, value: 2 },
    { line: 'x{m="é ✓"} 1', name: 'x', labels: { m: 'é ✓' }, value: 1 },
    { line: 'x -Inf', name: 'x', labels: {}, value: -Infinity },
    { line: 'x{le="+Inf"} +Inf', name: 'x', labels: { le: '+Inf' }, value: Infinity },
  ])('$line', ({ line, name, labels, value }) => {
    const family = only(line);
    expect(family.samples).toHaveLength(1);
    const s = family.samples[0]!;
    expect(s.name).toBe(name);
    expect({ ...s.labels }).toEqual(labels);
    expect(Object.keys(s.labels)).toEqual(Object.keys(labels));
    expect(s.value).toBe(value);
    expect(s.timestampMs).toBeUndefined();
  });

  it('keeps a label named __proto__ as a label, not a prototype', () => {
    const s = only('x{__proto__="p"} 1').samples[0]!;
    expect(Object.hasOwn(s.labels, '__proto__')).toBe(true);
    expect(s.labels['__proto__']).toBe('p');
  });

  it('reads NaN values and timestamps', () => {
    const [a, b] = only('x{a="1"} NaN\nx{a="2"} 3 1700000000123\n').samples;
    expect(a!.value).toBeNaN();
    expect(b!.value).toBe(3);
    expect(b!.timestampMs).toBe(1700000000123);
  });

  it.each([
    ['x', 'missing value'],
    ['x{a="1"}', 'missing value'],
    ['x{a="1"} 1 2 3', 'unexpected text after the timestamp'],
    ['x 1 1.5', 'invalid timestamp'],
    ['x abc', 'invalid value'],
    ['x{a="1" 1', 'expected "," or "}"'],
    ['x{a=1} 1', 'expected a quoted value'],
    ['x{a="1} 1', 'unterminated value'],
    ['x{a="1\\"} 1', 'unterminated value'],
    ['x{1a="1"} 1', 'expected a label name'],
    ['x{a:b="1"} 1', 'expected "="'],
    ['x{a="1",a="2"} 1', 'duplicate label a'],
    ['x{a="\\t"} 1', 'invalid escape'],
    ['x{a="1"}1', 'expected a blank before the value'],
    ['1x 1', 'expected a metric name'],
    ['{a="1"} 1', 'expected a metric name'],
  ])('rejects %j (%s)', (text, problem) => {
    expect(() => parsePrometheusText(`ok 1\n${text}\n`)).toThrowError(PrometheusTextError);
    expect(() => parsePrometheusText(`ok 1\n${text}\n`)).toThrowError(problem);
    expect(() => parsePrometheusText(`ok 1\n${text}\n`)).toThrowError(/^Prometheus text line 2: /);
  });
});

describe('parsePrometheusText: families', () => {
  it('reads HELP (with its escapes) and TYPE, and groups samples under them', () => {
    const families = parsePrometheusText(
      [
        '# HELP http_requests_total Requests\\nserved, by C:\\\\ path \\q',
        '# TYPE http_requests_total counter',
        'http_requests_total{code="200"} 10',
        'http_requests_total{code="500"} 2',
        '# just a comment',
        '#TYPE not_a_directive gauge',
        '',
        '# TYPE temp gauge',
        'temp -3.5',
        'other 1',
        '# EOF',
      ].join('\r\n'),
    );
    expect([...families.keys()]).toEqual(['http_requests_total', 'temp', 'other']);
    const http = families.get('http_requests_total')!;
    expect(http.type).toBe('counter');
    expect(http.help).toBe('Requests\nserved, by C:\\ path \\q');
    expect(http.samples.map((s) => [s.labels['code'], s.value])).toEqual([
      ['200', 10],
      ['500', 2],
    ]);
    expect(families.get('temp')).toMatchObject({ type: 'gauge', samples: [{ name: 'temp', value: -3.5 }] });
    expect(families.get('other')).toMatchObject({ type: 'untyped', samples: [{ name: 'other', value: 1 }] });
  });

  it('groups _bucket, _sum and _count under a histogram, _sum and _count under a summary, and not under a counter', () => {
    const families = parsePrometheusText(
      [
        '# TYPE rt histogram',
        'rt_bucket{le="1"} 1',
        'rt_bucket{le="+Inf"} 2',
        'rt_sum 3.5',
        'rt_count 2',
        '# TYPE q summary',
        'q{quantile="0.5"} 1',
        'q_sum 4',
        'q_count 3',
        '# TYPE c counter',
        'c 1',
        'c_count 9',
      ].join('\n'),
    );
    expect([...families.keys()]).toEqual(['rt', 'q', 'c', 'c_count']);
    expect(families.get('rt')!.samples.map((s) => s.name)).toEqual(['rt_bucket', 'rt_bucket', 'rt_sum', 'rt_count']);
    expect(families.get('q')!.samples.map((s) => s.name)).toEqual(['q', 'q_sum', 'q_count']);
    expect(families.get('c_count')!.type).toBe('untyped');
  });

  it.each([
    ['# TYPE x counter\n# TYPE x gauge\n', 'second TYPE line for x'],
    ['# HELP x a\n# HELP x b\n', 'second HELP line for x'],
    ['x 1\n# TYPE x counter\n', 'TYPE of x after its samples'],
    ['# TYPE x countr\n', 'unknown metric type "countr"'],
    ['# TYPE 1x counter\n', 'invalid metric name'],
  ])('rejects %j', (text, problem) => {
    expect(() => parsePrometheusText(text)).toThrowError(problem);
  });

  it('skips the families `keep` refuses without parsing their samples', () => {
    const families = parsePrometheusText(
      ['# TYPE keep_me counter', 'keep_me{a="1"} 1', '# TYPE skip_me histogram', 'skip_me_bucket{this is not parsed', 'unknown{nor="this" 1'].join('\n'),
      { keep: (name) => name === 'keep_me' },
    );
    expect([...families.keys()]).toEqual(['keep_me']);
    expect(families.get('keep_me')!.samples).toHaveLength(1);
  });

  it('reads empty input as no families', () => {
    expect(parsePrometheusText('').size).toBe(0);
    expect(parsePrometheusText('\n\n').size).toBe(0);
  });
});

describe('histogramSeries', () => {
  it('groups buckets by the labels other than le, sorted by bound, with sum and count', () => {
    const family = parsePrometheusText(
      [
        '# TYPE rt histogram',
        'rt_bucket{slot="s",version="v1",le="+Inf"} 5',
        'rt_bucket{slot="s",version="v1",le="10"} 4',
        'rt_bucket{slot="s",version="v1",le="0.5"} 1',
        'rt_sum{slot="s",version="v1"} 12.5',
        'rt_count{slot="s",version="v1"} 5',
        'rt_bucket{version="v2",slot="s",le="0.5"} 0',
        'rt_bucket{version="v2",slot="s",le="+Inf"} 2',
      ].join('\n'),
    ).get('rt')!;
    const series = histogramSeries(family);
    expect(series).toHaveLength(2);
    expect({ ...series[0]!.labels }).toEqual({ slot: 's', version: 'v1' });
    expect(series[0]!.buckets).toEqual([
      { le: 0.5, count: 1 },
      { le: 10, count: 4 },
      { le: Infinity, count: 5 },
    ]);
    expect(series[0]!.sum).toBe(12.5);
    expect(series[0]!.count).toBe(5);
    expect({ ...series[1]!.labels }).toEqual({ version: 'v2', slot: 's' });
    expect(series[1]!.buckets.map((b) => b.le)).toEqual([0.5, Infinity]);
    expect(series[1]!.sum).toBeUndefined();
  });

  it('refuses a bucket without a numeric le', () => {
    const family = parsePrometheusText('# TYPE rt histogram\nrt_bucket{le="ten"} 1\n').get('rt')!;
    expect(() => histogramSeries(family)).toThrowError(/no numeric "le"/);
  });

  it('labelKey ignores label order and the excluded labels', () => {
    expect(labelKey({ b: '2', a: '1', le: '5' }, ['le'])).toBe(labelKey({ a: '1', b: '2' }));
    expect(labelKey({ a: '1' })).not.toBe(labelKey({ a: '2' }));
  });
});
