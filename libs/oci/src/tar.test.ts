// Our tar writer and reader against GNU tar, both ways.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeTarPath, readTar, writeTar } from './tar.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-tar-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tar', () => {
  it('round-trips files through our writer and reader', () => {
    const files = [
      { name: 'plugin.wasm', data: Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) },
      { name: 'dir/empty', data: Buffer.alloc(0) },
      { name: 'exact-block', data: Buffer.alloc(512, 7) },
    ];
    const entries = [...readTar(writeTar(files))];
    expect(entries.map((e) => [e.name, e.type, e.data.toString('hex')])).toEqual(files.map((f) => [f.name, '0', f.data.toString('hex')]));
  });

  it('writes archives GNU tar lists and extracts', () => {
    const data = Buffer.from('hello wasm');
    const file = path.join(tmp, 'ours.tar.gz');
    writeFileSync(file, zlib.gzipSync(writeTar([{ name: 'plugin.wasm', data }])));
    expect(execFileSync('tar', ['-tzvf', file], { encoding: 'utf8' })).toMatch(/^-rw-r--r-- 0\/0 +10 1970-01-01 00:00 plugin\.wasm$/m);
    const out = path.join(tmp, 'x');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    expect(readFileSync(path.join(out, 'plugin.wasm')).equals(data)).toBe(true);
  });

  it('is deterministic', () => {
    const a = writeTar([{ name: 'plugin.wasm', data: Buffer.from('x') }]);
    expect(writeTar([{ name: 'plugin.wasm', data: Buffer.from('x') }]).equals(a)).toBe(true);
  });

  it.each(['gnu', 'pax', 'ustar'])('reads GNU tar archives in %s format, long names included', (format) => {
    const src = path.join(tmp, `src-${format}`);
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(40)}.wasm`;
    mkdirSync(path.dirname(path.join(src, long)), { recursive: true });
    writeFileSync(path.join(src, long), 'long');
    writeFileSync(path.join(src, 'plugin.wasm'), 'module');
    const file = path.join(tmp, `${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', src, './plugin.wasm', long]);
    const files = [...readTar(readFileSync(file))].filter((e) => e.type === '0');
    expect(files.map((e) => [normalizeTarPath(e.name), e.data.toString()])).toEqual([
      ['plugin.wasm', 'module'],
      [long, 'long'],
    ]);
  });

  it('refuses a corrupted header', () => {
    const archive = writeTar([{ name: 'plugin.wasm', data: Buffer.from('x') }]);
    archive[0] = 0x71;
    expect(() => [...readTar(archive)]).toThrow(expect.objectContaining({ code: 'not-wasm', message: expect.stringContaining('checksum') }));
  });
});
