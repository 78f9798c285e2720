import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProxyOptions } from './proxy-options.js';

const base = ['--upstream', 'http://127.0.0.1:9000'];

describe('parseProxyOptions', () => {
  it('applies defaults', () => {
    const o = parseProxyOptions([...base, '--slot', 'wasmfleet.a', '--xds', '127.0.0.1:18000'], { WASMFLEET_TOKEN: 't' });
    expect(o).toMatchObject({ listen: 10000, adminPort: 15000, cluster: 'local', replicas: 1, xds: { target: '127.0.0.1:18000', mode: 'delta', token: 't' } });
    expect(o.slots).toEqual([{ name: 'wasmfleet.a' }]);
  });

  it('reads a default config as a slot spec', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-opts-'));
    const file = path.join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify({ module: { path: '/filters/a.wasm' }, rootId: 'r', config: { a: 1 } }));
    const o = parseProxyOptions([...base, '--slot', 'a', '--default-config', `a=${file}`]);
    expect(o.slots[0]!.defaultConfig).toMatchObject({ name: 'a', rootId: 'r', code: { kind: 'local', filename: '/filters/a.wasm' }, configuration: '{"a":1}', failurePolicy: 'FAIL_CLOSED' });
  });

  it.each([
    [[], /--upstream is required/],
    [['--upstream', 'nope'], /--upstream: not a URL/],
    [[...base, '--listen', '70000'], /--listen: expected an integer 0-65535/],
    [[...base, '--slot', 'a'], /--xds is required/],
    [[...base, '--slot', 'a', '--xds', 'x:1', '--xds-mode', 'ads'], /--xds-mode: expected sotw or delta/],
    [[...base, '--slot', '../x', '--xds', 'x:1'], /--slot "..\/x"/],
    [[...base, '--label', 'novalue'], /--label: expected <key>=<value>/],
    [[...base, '--default-config', 'b=/x.json'], /no --slot b/],
    [[...base, '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j', (args, message) => {
    expect(() => parseProxyOptions(args as string[])).toThrow(message);
  });
});
