import { afterEach, describe, expect, it } from 'vitest';
import { header, request, startFixture, upstream } from '../test-support/exchange-helpers.js';
import { WasmFilterError } from './errors.js';
import type { FilterPlugin } from './filter-plugin.js';

// Order of properties.c's string_props / int_props.
const STRING_PROPS = [
  'plugin_name', 'plugin_root_id', 'plugin_vm_id', 'request.path', 'request.method', 'request.host', 'request.scheme',
  'request.url_path', 'request.query', 'source.address', 'destination.address', 'node.id', 'my.key',
  'request.headers.user-agent', 'custom.override', 'request.id', 'one segment "request.path"',
];

describe('properties and configuration (properties.c, ABI 0.2.0)', () => {
  let plugin: FilterPlugin | undefined;
  afterEach(() => plugin?.close());

  it('hands the VM and plugin configuration to on_vm_start and on_configure', async () => {
    const started = await startFixture('properties', { vmConfig: 'vm-cfg', pluginConfig: '{"k":1}', rootId: 'props_root' });
    plugin = started.plugin;
    const messages = started.lines.map((l) => l.message);
    expect(messages).toEqual(['vm config: vm-cfg', 'plugin config: {"k":1}', 'root id: props_root']);
  });

  it('answers well-known properties, overrides and values set by the filter', async () => {
    const started = await startFixture('properties', {
      name: 'props',
      rootId: 'props_root',
      vmId: 'vm-7',
      properties: { 'node.id': 'sidecar~10.0.0.1~ratings.bookinfo', 'custom.override': Buffer.from('bytes') },
    });
    plugin = started.plugin;
    const result = await plugin.handle(
      request({ method: 'POST', path: '/a/b?x=1&y=2', authority: 'svc.local', headers: [['user-agent', 'curl/8'], ['x-request-id', 'rid-1']] }),
      upstream({ status: 201 }),
    );
    const got = Object.fromEntries(STRING_PROPS.map((p, i) => [p, header(result.upstreamRequest?.headers, `x-p-${i}`)]));
    expect(got).toEqual({
      plugin_name: 'props',
      plugin_root_id: 'props_root',
      plugin_vm_id: 'vm-7',
      'request.path': '/a/b?x=1&y=2',
      'request.method': 'POST',
      'request.host': 'svc.local',
      'request.scheme': 'http',
      'request.url_path': '/a/b',
      'request.query': 'x=1&y=2',
      'source.address': '10.1.2.3:40123',
      'destination.address': '10.9.9.9:8080',
      'node.id': 'sidecar~10.0.0.1~ratings.bookinfo',
      'my.key': 'my-value',
      'request.headers.user-agent': 'curl/8',
      'custom.override': 'bytes',
      'request.id': 'rid-1',
      // Envoy splits paths on NUL only: a dotted single segment names no attribute.
      'one segment "request.path"': 'missing',
    });
    expect(header(result.upstreamRequest?.headers, 'x-i-0')).toBe('40123'); // source.port, int64 LE
    expect(header(result.upstreamRequest?.headers, 'x-i-1')).toBe('8080');
    expect(header(result.upstreamRequest?.headers, 'x-i-2')).toBe('0'); // request.size
    expect(header(result.response.headers, 'x-response-code')).toBe('201');
  });

  it('reports missing properties as NOT_FOUND', async () => {
    plugin = (await startFixture('properties')).plugin;
    const result = await plugin.handle(request({ source: undefined, destination: undefined, headers: [] }), upstream());
    const at = (p: string) => header(result.upstreamRequest?.headers, `x-p-${STRING_PROPS.indexOf(p)}`);
    expect(at('source.address')).toBe('missing');
    expect(at('request.headers.user-agent')).toBe('missing');
    expect(at('custom.override')).toBe('missing');
    expect(at('node.id')).toBe(''); // node.id always exists, empty unless configured
    expect(header(result.upstreamRequest?.headers, 'x-i-0')).toBe('missing');
  });

  it('rejects the plugin when on_configure returns false, naming the cause and the filter log', async () => {
    const err = await startFixture('properties', { pluginConfig: 'reject', name: 'picky' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WasmFilterError);
    const e = err as WasmFilterError;
    expect(e.kind).toBe('configure');
    expect(e.message).toContain('proxy_on_configure returned false');
    expect(e.message).toContain('plugin picky');
    expect(e.message).toContain('configuration rejected: reject');
    expect(e.logs.map((l) => l.message)).toContain('plugin config: reject');
  });
});
