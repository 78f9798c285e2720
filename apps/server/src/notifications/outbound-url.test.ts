import { describe, expect, it } from 'vitest';
import { blockedAddressReason, checkOutboundUrl, OutboundUrlError, redact, resolveOutboundUrl } from './outbound-url.js';

describe('checkOutboundUrl', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'https://hooks.example.com/services/T0/B0?token=1',
    'http://10.0.0.5/',
    'http://192.168.1.20:9000/x',
    'http://[::1]:9090/',
    'http://localhost:3000/',
    'http://[2001:db8::1]/',
    'http://169.255.0.1/',
  ])('allows %s', (raw) => {
    expect(checkOutboundUrl(raw).href).toBe(new URL(raw).href);
  });

  it.each([
    ['ftp://example.com/', /scheme ftp: is not allowed/],
    ['file:///etc/passwd', /scheme file: is not allowed/],
    ['javascript:alert(1)', /scheme javascript: is not allowed/],
    ['not a url', /not an absolute URL/],
    ['http://user:secret@example.com/', /credentials in the URL/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://169.254.170.2/v2/credentials', /link-local/],
    ['http://0xa9.0xfe.0xa9.0xfe/', /169\.254\.169\.254 is a link-local/], // the URL parser normalizes it
    ['http://2852039166/', /169\.254\.169\.254 is a link-local/],
    ['http://[fe80::1]/', /link-local address \(fe80::\/10\)/],
    ['http://[febf::1]/', /link-local/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://[64:ff9b::169.254.169.254]/', /link-local/],
    ['http://[::169.254.169.254]/', /link-local/],
    ['http://[fd00:ec2::254]/', /cloud metadata address/],
    ['http://metadata.google.internal/computeMetadata/v1/', /cloud metadata host/],
    ['http://METADATA.google.internal./', /cloud metadata host/],
    ['http://100.100.100.200/', /cloud metadata address/],
    ['http://0.0.0.0:8080/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://224.0.0.1/', /multicast/],
    ['http://[ff02::1]/', /multicast/],
  ])('refuses %s', (raw, problem) => {
    expect(() => checkOutboundUrl(raw)).toThrow(OutboundUrlError);
    expect(() => checkOutboundUrl(raw)).toThrow(problem);
  });

  it.each(['http://127.0.0.1/', 'http://[::1]/', 'http://localhost/', 'http://a.localhost/', 'http://[::ffff:127.0.0.1]/'])(
    'refuses loopback %s when told to',
    (raw) => {
      expect(() => checkOutboundUrl(raw, { allowLoopback: false })).toThrow(/loopback/);
    },
  );

  it('never puts credentials or query strings in its errors', () => {
    const err = (() => {
      try {
        checkOutboundUrl('http://user:hunter2@169.254.169.254/x?token=abc');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toContain('http://169.254.169.254/x');
    expect(err?.message).not.toMatch(/hunter2|token=abc/);
    expect(redact('https://u:p@hooks.example.com:8443/a/b?k=v#f')).toBe('https://hooks.example.com:8443/a/b');
  });
});

describe('blockedAddressReason', () => {
  it.each([
    ['8.8.8.8', undefined],
    ['::ffff:10.1.2.3', undefined],
    ['169.254.0.1', 'link-local'],
    ['fe80::abcd', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['nonsense', 'not an IP address'],
  ])('%s', (ip, reason) => {
    const why = blockedAddressReason(ip);
    if (reason === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(reason);
  });
});

describe('resolveOutboundUrl', () => {
  const lookup = (answers: Record<string, string[]>) => async (host: string) => {
    const a = answers[host];
    if (a === undefined) throw new Error(`ENOTFOUND ${host}`);
    return a;
  };

  it('checks every address a name resolves to', async () => {
    const dns = lookup({ 'ok.internal': ['10.0.0.1', '2001:db8::5'], 'evil.example': ['10.0.0.1', '169.254.169.254'], 'empty.example': [] });
    expect((await resolveOutboundUrl('http://ok.internal/hook', dns)).hostname).toBe('ok.internal');
    await expect(resolveOutboundUrl('http://evil.example/hook', dns)).rejects.toThrow(/evil\.example resolves to 169\.254\.169\.254, a link-local/);
    await expect(resolveOutboundUrl('http://empty.example/hook', dns)).rejects.toThrow(/resolves to no address/);
    await expect(resolveOutboundUrl('http://missing.example/hook', dns)).rejects.toThrow(/cannot resolve missing\.example: ENOTFOUND/);
  });

  it('does not look up IP literals, and still applies the literal rules first', async () => {
    const never = async () => {
      throw new Error('looked up');
    };
    expect((await resolveOutboundUrl('http://127.0.0.1:1/', never)).port).toBe('1');
    await expect(resolveOutboundUrl('http://[fe80::1]/', never)).rejects.toThrow(/link-local/);
  });
});
