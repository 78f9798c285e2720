import { afterEach, describe, expect, it } from 'vitest';
import { header, request, startFixture, upstream } from '../test-support/exchange-helpers.js';
import type { FilterPlugin } from './filter-plugin.js';

describe('ABI 0.1.0 vs 0.2.x callback signatures and calls', () => {
  let plugin: FilterPlugin;
  afterEach(() => plugin?.close());

  it('detects each ABI from its export', async () => {
    const abi010 = await startFixture('abi-0-1-0');
    const abi020 = await startFixture('properties');
    const abi021 = await startFixture('headers');
    expect([abi010.mod.abi, abi020.mod.abi, abi021.mod.abi]).toEqual(['0.1.0', '0.2.0', '0.2.1']);
    await Promise.all([abi010.plugin.close(), abi020.plugin.close(), abi021.plugin.close()]);
  });

  it('0.1.0: configuration through proxy_get_configuration, per phase', async () => {
    const started = await startFixture('abi-0-1-0', { vmConfig: 'the-vm', pluginConfig: 'the-plugin' });
    plugin = started.plugin;
    expect(started.lines.map((l) => l.message)).toEqual(['vm configuration: the-vm', 'plugin configuration: the-plugin']);
  });

  it('0.1.0: headers callback gets (context, headers); a missing header reads as empty', async () => {
    plugin = (await startFixture('abi-0-1-0')).plugin;
    const result = await plugin.handle(request({ headers: [['a', '1'], ['b', '2']] }), upstream());
    const h = result.upstreamRequest?.headers;
    expect(header(h, 'x-num-headers')).toBe('6'); // 4 pseudo-headers + 2
    expect(header(h, 'x-absent-status')).toBe('0');
    expect(header(h, 'x-absent-len')).toBe('0');
  });

  it('0.1.0: a paused request resumes on proxy_continue_request', async () => {
    plugin = (await startFixture('abi-0-1-0')).plugin;
    const up = upstream();
    const result = await plugin.handle(request({ headers: [['x-pause', '1']] }), up);
    expect(up.calls).toHaveLength(1);
    expect(header(result.upstreamRequest?.headers, 'x-resumed-by')).toBe('tick');
  });

  it('0.2.x: headers callback also gets end_of_stream', async () => {
    plugin = (await startFixture('headers')).plugin;
    const result = await plugin.handle(request({ headers: [['a', '1']] }), upstream());
    expect(header(result.upstreamRequest?.headers, 'x-callback-headers')).toBe('5');
    expect(header(result.upstreamRequest?.headers, 'x-eos')).toBe('1');
  });
});
