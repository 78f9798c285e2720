import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultCredentials } from '@wasmfleet/oci';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configDir, configPath, removeCredential, saveCredential } from './config-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('config location', () => {
  it('is $WASMFLEET_CONFIG_DIR, else $XDG_CONFIG_HOME/wasmfleet, else ~/.config/wasmfleet', () => {
    expect(configPath({ WASMFLEET_CONFIG_DIR: '/a/b' })).toBe('/a/b/config.json');
    expect(configDir({ XDG_CONFIG_HOME: '/x' })).toBe('/x/wasmfleet');
    expect(configDir({})).toBe(path.join(os.homedir(), '.config', 'wasmfleet'));
  });
});

describe('saveCredential', () => {
  it('writes a Docker-compatible auths entry with mode 0600 that the default credential chain reads', () => {
    const file = path.join(dir, 'nested', 'config.json');
    saveCredential('reg.example:5000', { username: 'u', password: 'p:w' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toEqual({ auths: { 'reg.example:5000': { auth: Buffer.from('u:p:w').toString('base64') } } });
    expect(defaultCredentials({ env: {}, configPaths: [file] })('reg.example:5000')).toEqual({ username: 'u', password: 'p:w' });
  });

  it('keeps other entries and other top-level fields, and replaces the same registry', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ auths: { other: { auth: 'eDp5' } }, credsStore: 'desktop' }));
    saveCredential('reg', { username: 'a', password: '1' }, file);
    saveCredential('reg', { username: 'b', password: '2' }, file);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.credsStore).toBe('desktop');
    expect(Object.keys(doc.auths).sort()).toEqual(['other', 'reg']);
    expect(Buffer.from(doc.auths.reg.auth, 'base64').toString()).toBe('b:2');
    expect(removeCredential('reg', file)).toBe(true);
    expect(removeCredential('reg', file)).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).auths)).toEqual(['other']);
  });

  it('refuses to overwrite a file that is not JSON', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, 'not json');
    expect(() => saveCredential('reg', { username: 'a', password: 'b' }, file)).toThrow('is not a JSON object');
    expect(readFileSync(file, 'utf8')).toBe('not json');
  });
});
