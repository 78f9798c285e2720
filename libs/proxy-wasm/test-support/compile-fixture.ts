// Builds test modules at test time: C fixtures with Debian's clang-14, WAT with wabt's wat2wasm. Output
// goes to a temporary directory and is cached by source hash for the life of the process.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const outDir = mkdtempSync(path.join(tmpdir(), 'proxy-wasm-fixtures-'));
process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));

function cached(key: string, build: (out: string) => void): Uint8Array {
  const out = path.join(outDir, createHash('sha256').update(key).digest('hex').slice(0, 16) + '.wasm');
  if (!existsSync(out)) build(out);
  return new Uint8Array(readFileSync(out));
}

/** Compiles `fixtures/<name>.c` (or the given source) to a wasm32 module with no libc. */
export function compileC(name: string, source?: string, extraFlags: string[] = []): Uint8Array {
  const text = source ?? readFileSync(path.join(fixtures, `${name}.c`), 'utf8');
  return cached(`c\0${name}\0${text}\0${extraFlags.join(' ')}`, (out) => {
    const src = path.join(outDir, `${name}-${process.pid}.c`);
    writeFileSync(src, text);
    execFileSync('clang-14', [
      '--target=wasm32', '-nostdlib', '-O2', '-mbulk-memory', `-I${fixtures}`,
      '-Wl,--no-entry', ...extraFlags, '-o', out, src,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
  });
}

/** Compiles WAT text with wat2wasm (tail calls and the other default-on proposals enabled). */
export function compileWat(text: string): Uint8Array {
  return cached(`wat\0${text}`, (out) => {
    const src = `${out}.wat`;
    writeFileSync(src, text);
    execFileSync('wat2wasm', ['--enable-tail-call', src, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  });
}
