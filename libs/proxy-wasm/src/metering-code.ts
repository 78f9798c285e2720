// Rewrites function bodies for metering. Every unbounded path through Wasm code passes either a
// function entry (calls, recursion, tail calls) or a loop header (the only target of a backward
// branch), so those are the metering points. Each point charges the static instruction count of its
// region: the function body outside its loops, or a loop body outside its nested loops. Within one
// pass through a region, control only moves forward, so a region never runs more instructions than it
// was charged; the fuel spent is therefore an upper bound on instructions executed.
//
// The charge is a decrement of a mutable i32 global; when it drops below zero the code calls the
// host's refuel import, which answers with new fuel, or with -1 once the callback is over its time
// budget. Negative fuel after refuel executes `unreachable`: a trap the module cannot catch.

import { ByteReader, ByteWriter, WasmFormatError } from './wasm-bytes.js';
import { Op, opensBlock, readInstruction } from './instruction-reader.js';

export interface MeterTargets {
  /** Index of the fuel global. */
  fuelGlobal: number;
  /** Function index of the refuel import. */
  refuelFunc: number;
  /** Maps an original function index to its index in the rewritten module. */
  shiftFunc: (index: number) => number;
}

const MAX_CHARGE = 1 << 30;

/** Instruction counts per region: [0] is the function body, then one per loop in order of appearance. */
function regionCosts(bytes: Uint8Array, start: number, end: number): number[] {
  const costs = [0];
  const regions = [0]; // innermost region first at the top
  const frames: boolean[] = []; // per open block: is it a loop?
  const r = new ByteReader(bytes, start, end);
  while (!r.done) {
    const { op } = readInstruction(r);
    const region = regions[regions.length - 1]!;
    costs[region] = Math.min(costs[region]! + 1, MAX_CHARGE);
    if (op === Op.loop) {
      frames.push(true);
      regions.push(costs.length);
      costs.push(0);
    } else if (opensBlock(op)) {
      frames.push(false);
    } else if (op === Op.end || op === Op.delegate) {
      if (frames.pop() === true) regions.pop();
    }
  }
  return costs;
}

function emitCharge(w: ByteWriter, cost: number, t: MeterTargets): void {
  const fuelBelowZero = () => w.byte(Op.globalGet).u32(t.fuelGlobal).byte(Op.i32Const).s32(0).byte(Op.i32LtS);
  w.byte(Op.globalGet).u32(t.fuelGlobal).byte(Op.i32Const).s32(cost).byte(Op.i32Sub);
  w.byte(Op.globalSet).u32(t.fuelGlobal);
  fuelBelowZero();
  w.byte(Op.if).byte(0x40);
  w.byte(Op.call).u32(t.refuelFunc).byte(Op.globalSet).u32(t.fuelGlobal);
  fuelBelowZero();
  w.byte(Op.if).byte(0x40).byte(Op.unreachable).byte(Op.end);
  w.byte(Op.end);
}

/** Copies instructions in [start, end) with function indices shifted; no metering points. */
export function copyShiftingFuncs(bytes: Uint8Array, start: number, end: number, w: ByteWriter, t: MeterTargets): void {
  const r = new ByteReader(bytes, start, end);
  while (!r.done) {
    const at = r.pos;
    const ins = readInstruction(r);
    if (ins.funcIndex !== undefined) w.byte(ins.op).u32(t.shiftFunc(ins.funcIndex));
    else w.bytes(bytes.subarray(at, r.pos));
  }
}

/** Reads a constant expression (up to and including its `end`) and returns where it stops. */
export function constExprEnd(bytes: Uint8Array, start: number, end: number): number {
  const r = new ByteReader(bytes, start, end);
  let depth = 0;
  for (;;) {
    const { op } = readInstruction(r);
    if (opensBlock(op)) depth++;
    else if (op === Op.end && depth-- === 0) return r.pos;
  }
}

function meterBody(body: Uint8Array, t: MeterTargets): Uint8Array {
  const r = new ByteReader(body);
  for (let n = r.u32(); n > 0; n--) {
    r.u32();
    const type = r.byte();
    if (type === 0x63 || type === 0x64) r.skipLeb();
  }
  const codeStart = r.pos;
  const costs = regionCosts(body, codeStart, body.length);
  const out = new ByteWriter();
  out.bytes(body.subarray(0, codeStart));
  emitCharge(out, costs[0]!, t);
  let nextLoop = 1;
  const code = new ByteReader(body, codeStart);
  while (!code.done) {
    const at = code.pos;
    const ins = readInstruction(code);
    if (ins.funcIndex !== undefined) out.byte(ins.op).u32(t.shiftFunc(ins.funcIndex));
    else out.bytes(body.subarray(at, code.pos));
    if (ins.op === Op.loop) emitCharge(out, costs[nextLoop++]!, t);
  }
  return out.finish();
}

/** Rewrites the payload of the code section; errors name the function (index among defined ones). */
export function meterCodeSection(payload: Uint8Array, t: MeterTargets): Uint8Array {
  const r = new ByteReader(payload);
  const out = new ByteWriter();
  const count = r.u32();
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const body = r.take(r.u32());
    try {
      out.sized(meterBody(body, t));
    } catch (err) {
      if (!(err instanceof WasmFormatError)) throw err;
      throw new WasmFormatError(`in defined function ${i}: ${err.message} of its body`);
    }
  }
  return out.finish();
}
