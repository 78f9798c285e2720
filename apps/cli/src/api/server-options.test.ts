import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../exit-codes.js';
import { DEFAULT_SERVER, serverToken, serverUrl } from './server-options.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-server-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { exitCode: number; message: string; hint?: string };
  }
  throw new Error('did not throw');
};

describe('serverUrl', () => {
  it('takes --server, then WASMFLEET_SERVER, then the default, without a trailing slash', () => {
    expect(serverUrl({ server: 'http://a:1/' }, { WASMFLEET_SERVER: 'http://b:2' })).toBe('http://a:1');
    expect(serverUrl({}, { WASMFLEET_SERVER: 'https://b:2/base/' })).toBe('https://b:2/base');
    expect(serverUrl({}, {})).toBe(DEFAULT_SERVER);
  });

  it('refuses what is not an http(s) URL, or holds credentials, as usage errors', () => {
    expect(thrown(() => serverUrl({ server: 'localhost:8080' }, {}))).toMatchObject({ exitCode: ExitCode.usage });
    expect(thrown(() => serverUrl({ server: 'not a url' }, {})).message).toContain('--server "not a url" is not a URL');
    const creds = thrown(() => serverUrl({}, { WASMFLEET_SERVER: 'http://u:secret@h:1' }));
    expect(creds).toMatchObject({ exitCode: ExitCode.usage });
    expect(creds.message).not.toContain('secret');
  });
});

describe('serverToken', () => {
  const file = path.join(dir, 'admin-token');
  writeFileSync(file, 'from-file-token\n');

  it('takes --token, then --token-file, then WASMFLEET_TOKEN', () => {
    expect(serverToken({ token: 'flag-token', tokenFile: file }, { WASMFLEET_TOKEN: 'env' })).toBe('flag-token');
    expect(serverToken({ tokenFile: file }, { WASMFLEET_TOKEN: 'env' })).toBe('from-file-token');
    expect(serverToken({}, { WASMFLEET_TOKEN: ' env-token ' })).toBe('env-token');
  });

  it('without a token exits 4 with a hint naming every way to give one', () => {
    const e = thrown(() => serverToken({}, { WASMFLEET_TOKEN: '' }));
    expect(e.exitCode).toBe(ExitCode.auth);
    expect(e.hint).toMatch(/--token-file.*WASMFLEET_TOKEN.*--token/);
  });

  it('a missing token file is not found (3); an empty one or one with spaces is an auth error that never shows it', () => {
    expect(thrown(() => serverToken({ tokenFile: path.join(dir, 'none') }, {})).exitCode).toBe(ExitCode.notFound);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(thrown(() => serverToken({ tokenFile: empty }, {})).exitCode).toBe(ExitCode.auth);
    const spaced = thrown(() => serverToken({ token: 'two words-secret' }, {}));
    expect(spaced.exitCode).toBe(ExitCode.auth);
    expect(spaced.message).not.toContain('secret');
  });
});
