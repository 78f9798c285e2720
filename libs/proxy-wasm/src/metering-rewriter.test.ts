import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileC, compileWat } from '../test-support/compile-fixture.js';
import { CallbackBudget } from './callback-budget.js';
import { addMetering, METER_IMPORT_MODULE, METER_IMPORT_NAME } from './metering-rewriter.js';

type Exports = Record<string, (...args: number[]) => number>;

function instantiate(bytes: Uint8Array, refuel: () => number, env: WebAssembly.ModuleImports = {}): Exports {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env, [METER_IMPORT_MODULE]: { [METER_IMPORT_NAME]: refuel } });
  return instance.exports as unknown as Exports;
}

function plain(bytes: Uint8Array, env: WebAssembly.ModuleImports = {}): Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env }).exports as unknown as Exports;
}

const C_PROGRAM = `
typedef unsigned int u32;
#define EXPORT(n) __attribute__((export_name(#n)))
static u32 data[4096];
static u32 add(u32 a, u32 b) { return a + b; }
static u32 mul(u32 a, u32 b) { return a * b; }
static u32 (*volatile ops[2])(u32, u32) = { add, mul };
EXPORT(fold) u32 fold(u32 n, u32 which) { u32 acc = 1; for (u32 i = 1; i <= n; i++) acc = ops[which & 1](acc, i); return acc; }
EXPORT(fib) u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
EXPORT(vsum) u32 vsum(u32 n) { for (u32 i = 0; i < 4096; i++) data[i] = i * 3 + n; u32 s = 0; for (u32 i = 0; i < 4096; i++) s += data[i] ^ (data[i] >> 3); return s; }
EXPORT(copy) u32 copy(u32 n) { __builtin_memcpy(data + 2048, data, n * 4); __builtin_memset(data, 7, 16); return data[2048 + n - 1] + data[0]; }
`;

describe('addMetering', () => {
  it('keeps what a C program computes (indirect calls, recursion, SIMD, bulk memory)', () => {
    const bytes = compileC('metering-sample', C_PROGRAM, ['-msimd128']);
    const meteredBytes = addMetering(bytes, 1000);
    const a = plain(bytes);
    const b = instantiate(meteredBytes, () => 1_000_000);
    for (const [fn, args] of [['fold', [20, 0]], ['fold', [10, 1]], ['fib', [20]], ['vsum', [5]], ['copy', [100]]] as const) {
      expect(b[fn]!(...args), `${fn}(${args})`).toBe(a[fn]!(...args));
    }
    // The vectorized loop really is SIMD, so the 0xFD decoder was exercised.
    expect(execFileSync('wasm-objdump', ['-d', writeTemp(bytes)]).toString()).toMatch(/v128|i32x4/);
  });

  it('keeps tables, element segments, ref.func, globals, start function, tail calls and exceptions working', () => {
    const wat = `(module
      (import "env" "seen" (func $seen (param i32)))
      (type $t (func (param i32) (result i32)))
      (table $tab 4 funcref)
      (global $g (mut i32) (i32.const 0))
      (global $fref funcref (ref.func $double))
      (tag $oops (param i32))
      (elem (i32.const 0) $double $triple)
      (elem $passive funcref (ref.func $triple) (ref.func $double))
      (elem declare func $inc)
      (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
      (func $triple (type $t) (i32.mul (local.get 0) (i32.const 3)))
      (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
      (func $init (global.set $g (i32.const 41)) (call $seen (i32.const 1)))
      (start $init)
      (func (export "indirect") (param i32 i32) (result i32) (call_indirect (type $t) (local.get 1) (local.get 0)))
      (func (export "passive") (param i32) (result i32)
        (table.init $tab $passive (i32.const 2) (i32.const 0) (i32.const 2))
        (call_indirect (type $t) (local.get 0) (i32.const 2)))
      (func (export "global") (result i32) (global.get $g))
      (func (export "refnull") (result i32) (ref.is_null (global.get $fref)))
      (func $countdown (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 99)) (else (return_call $countdown (i32.sub (local.get 0) (i32.const 1))))))
      (func (export "tail") (param i32) (result i32) (return_call $countdown (local.get 0)))
      (func (export "catch") (param i32) (result i32)
        (try (result i32) (do (throw $oops (local.get 0))) (catch $oops (i32.add (i32.const 1000))))))`;
    const bytes = compileWatWith(wat, ['--enable-exceptions', '--enable-tail-call']);
    const seen: number[] = [];
    const env = { seen: (x: number) => void seen.push(x) };
    const a = plain(bytes, env);
    const b = instantiate(addMetering(bytes, 1000), () => 1_000_000, env);
    expect(seen).toEqual([1, 1]); // both start functions ran
    for (const [fn, args] of [['indirect', [0, 5]], ['indirect', [1, 5]], ['passive', [7]], ['global', []], ['refnull', []], ['tail', [100000]], ['catch', [5]]] as const) {
      expect(b[fn]!(...args), `${fn}(${args})`).toBe(a[fn]!(...args));
    }
  });

  it('charges at least one fuel unit per instruction executed in a loop', () => {
    // Loop body: local.get, local.get, i32.ge_u, br_if, local.get, i32.const, i32.add, local.set, br, end = 10.
    const wat = `(module (func (export "count") (param $n i32) (result i32) (local $i i32)
      (block $out (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $i)))`;
    let grants = 0;
    const e = instantiate(addMetering(compileWat(wat), 0), () => (grants++, 1000));
    expect(e.count!(10_000)).toBe(10_000);
    expect(grants).toBeGreaterThanOrEqual(100); // 10 001 passes × 10 units ≥ 100 000 units
    expect(grants).toBeLessThanOrEqual(102);
  });

  it('keeps fuel exact across calls, exceptions and branches out of functions with loops', () => {
    // inner: 9 units per iteration + 2; outer: 11 per iteration + 2; thrower: 9 per iteration + 3;
    // early: 7 per iteration, leaving through br_table to the function label; early_if: 10 per iteration.
    const wat = `(module
      (tag $e)
      (func $inner (param $n i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
      (func (export "outer") (param $m i32) (local $j i32)
        (loop $l (call $inner (i32.const 10)) (local.set $j (i32.add (local.get $j) (i32.const 1))) (br_if $l (i32.lt_u (local.get $j) (local.get $m)))))
      (func $thrower (param $n i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (throw $e))
      (func (export "catching") (param $m i32) (local $j i32)
        (loop $l (try (do (call $thrower (i32.const 10))) (catch_all))
          (local.set $j (i32.add (local.get $j) (i32.const 1))) (br_if $l (i32.lt_u (local.get $j) (local.get $m)))))
      (func (export "early") (param $n i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_table $l 1 (i32.ge_u (local.get $i) (local.get $n)))))
      (func (export "early_if") (param $n i32) (result i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (drop (br_if 1 (i32.const 42) (i32.ge_u (local.get $i) (local.get $n))))
          (br $l))
        (i32.const 0)))`;
    let grants = 0;
    const e = instantiate(addMetering(compileWatWith(wat, ['--enable-exceptions']), 0), () => (grants++, 1000));
    const grantsFor = (run: () => void) => {
      grants = 0;
      run();
      return grants;
    };
    expect(grantsFor(() => e.outer!(1000))).toBeGreaterThanOrEqual(103); // 11 002 + 1000 × 92 units
    expect(grants).toBeLessThanOrEqual(105);
    expect(grantsFor(() => e.catching!(1000))).toBeGreaterThanOrEqual(93); // 1000 × 93 units in throwers
    // Each call stays under one chunk: only write-backs on the way out make the calls add up.
    expect(grantsFor(() => { for (let i = 0; i < 1000; i++) e.early!(10); })).toBeGreaterThanOrEqual(70);
    expect(grantsFor(() => { for (let i = 0; i < 1000; i++) expect(e.early_if!(10)).toBe(42); })).toBeGreaterThanOrEqual(90);
  });

  it('stops infinite loops, infinite tail recursion and deep recursion once refuel says so', () => {
    const wat = `(module
      (func (export "spin") (loop $l (br $l)))
      (func $f (export "forever") (return_call $f))
      (func $g (export "mutual") (return_call $h)) (func $h (return_call $g)))`;
    const budget = new CallbackBudget();
    const e = instantiate(addMetering(compileWat(wat), 0), budget.refuel);
    for (const fn of ['spin', 'forever', 'mutual']) {
      const started = performance.now();
      expect(() => budget.run(30, () => e[fn]!())).toThrow(/unreachable/);
      expect(budget.expired).toBe(true);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it('keeps function names for stack traces', () => {
    const wat = `(module (func $outer (export "boom") (call $my_named_fn)) (func $my_named_fn unreachable))`;
    const bytes = compileWatWith(wat, ['--debug-names']);
    const e = instantiate(addMetering(bytes, 1000), () => 1000);
    const err = (() => { try { e.boom!(); } catch (x) { return x as Error; } return undefined; })();
    expect(err?.stack).toContain('my_named_fn');
    expect(err?.stack).toContain('outer');
  });

  it('returns a module without code unchanged and refuses instructions it does not know', () => {
    const empty = compileWat('(module (memory 1))');
    expect(addMetering(empty, 1000)).toBe(empty);
    // type () -> (), one function whose body holds a GC-prefixed (0xFB) instruction.
    const unknown = Uint8Array.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
      0x03, 0x02, 0x01, 0x00,
      0x0a, 0x06, 0x01, 0x04, 0x00, 0xfb, 0x00, 0x0b,
    ]);
    expect(() => addMetering(unknown, 1000)).toThrow('in defined function 0: unsupported instruction 0xfb at byte 1 of its body');
  });
});

const tmp = mkdtempSync(path.join(tmpdir(), 'metering-test-'));
process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function writeTemp(bytes: Uint8Array): string {
  const file = path.join(tmp, `m${n++}.wasm`);
  writeFileSync(file, bytes);
  return file;
}

function compileWatWith(text: string, flags: string[]): Uint8Array {
  const src = path.join(tmp, `w${n++}.wat`);
  writeFileSync(src, text);
  execFileSync('wat2wasm', [...flags, src, '-o', `${src}.wasm`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(readFileSync(`${src}.wasm`));
}
