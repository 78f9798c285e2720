import { describe, expect, it } from 'vitest';
import { request, startFixture, upstream } from '../test-support/exchange-helpers.js';

describe('stream and plugin lifecycle (lifecycle.c)', () => {
  it('calls every phase in order, ends streams like Envoy (done, log, delete), shuts down with proxy_done', async () => {
    const { plugin, lines } = await startFixture('lifecycle', { vmConfig: 'vm', pluginConfig: 'plugin!' });
    const result = await plugin.handle(
      request({ method: 'POST', body: Buffer.from('abc'), trailers: [['x-t', '1']] }),
      upstream({ body: Buffer.from('hello'), trailers: [['x-rt', '1'], ['x-rt2', '2']] }),
    );
    expect(result.response.trailers).toEqual([['x-rt', '1'], ['x-rt2', '2']]);
    await plugin.close();
    expect(lines.map((l) => l.message)).toEqual([
      'create 1 0',
      'vm_start 1 2',
      'configure 1 7',
      'create 2 1',
      'request_headers 2 0',
      'request_body 2 3',
      'request_trailers 2 1',
      'response_headers 2 0',
      'response_body 2 5',
      'response_trailers 2 2',
      'done 2 0',
      'log 2 0',
      'delete 2 0',
      'done 1 0',
      'proxy_done 1 0',
      'delete 1 0',
    ]);
    expect(plugin.state()).toBe('closed');
    await expect(plugin.handle(request(), upstream())).rejects.toThrow('plugin lifecycle-plugin is closed');
  });

  it('treats any non-zero action as a pause and resumes on proxy_continue_stream', async () => {
    const { plugin, lines } = await startFixture('lifecycle');
    const up = upstream();
    const result = await plugin.handle(request({ method: 'POST', headers: [['x-pause-body', '1']], body: Buffer.from('x') }), up);
    expect(up.calls).toHaveLength(1);
    expect(result.response.status).toBe(200);
    const messages = lines.map((l) => l.message);
    expect(messages.indexOf('resume 2 0')).toBeGreaterThan(messages.indexOf('request_body 2 1'));
    expect(messages.indexOf('response_headers 2 1')).toBeGreaterThan(messages.indexOf('resume 2 0'));
    await plugin.close();
  });
});
