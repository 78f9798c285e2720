// Rewrites function bodies for metering. Every unbounded path through Wasm code passes either a
// function entry (calls, recursion, tail calls) or a loop header (the only target of a backward
// branch), so those are the metering points. Each point charges the static instruction count of its
// region: the function body outside its loops, or a loop body outside its nested loops. Within one
// pass through a region, control only moves forward, so a region never runs more instructions than it
// was charged; the fuel spent is therefore an upper bound on instructions executed.
//
// Fuel lives in a mutable i32 global. A function with loops works on a copy in an added local, which
// keeps the per-iteration charge in registers: the copy is loaded at entry and after every call or
// caught exception, and written back before every call, throw, return, tail call and branch out of
// the function, so the global is exact whenever control leaves the function. When fuel drops below
// zero the code calls the host's refuel import, which answers new fuel, or -1 once the callback is
// over its time budget; negative fuel after refuel executes `unreachable`, a trap Wasm cannot catch.

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

interface BodyAnalysis {
  /** Instruction counts per region: [0] is the function body, then one per loop in order of appearance. */
  costs: number[];
  /** try_table catch targets are labels, which a local fuel copy cannot follow: keep fuel in the global. */
  usesTryTable: boolean;
}

function analyse(body: Uint8Array, start: number): BodyAnalysis {
  const costs = [0];
  const regions = [0]; // innermost region at the top
  const frames: boolean[] = []; // per open block: is it a loop?
  let usesTryTable = false;
  const r = new ByteReader(body, start);
  while (!r.done) {
    const { op } = readInstruction(r);
    const region = regions[regions.length - 1]!;
    costs[region] = Math.min(costs[region]! + 1, MAX_CHARGE);
    if (op === Op.tryTable) usesTryTable = true;
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
  return { costs, usesTryTable };
}

/** Where fuel is kept while the body runs: the global itself, or a local copy of it. */
interface FuelSlot {
  get(w: ByteWriter): void;
  set(w: ByteWriter): void;
}

function charge(w: ByteWriter, cost: number, slot: FuelSlot, t: MeterTargets): void {
  const belowZero = () => (slot.get(w), w.byte(Op.i32Const).s32(0).byte(Op.i32LtS));
  slot.get(w);
  w.byte(Op.i32Const).s32(cost).byte(Op.i32Sub);
  slot.set(w);
  belowZero();
  w.byte(Op.if).byte(0x40);
  w.byte(Op.call).u32(t.refuelFunc);
  slot.set(w);
  belowZero();
  w.byte(Op.if).byte(0x40).byte(Op.unreachable).byte(Op.end);
  w.byte(Op.end);
}

const WRITE_BACK_BEFORE = new Set<number>([
  Op.call, Op.callIndirect, Op.callRef, Op.returnCall, Op.returnCallIndirect, Op.returnCallRef,
  Op.throw, Op.rethrow, Op.throwRef, Op.return,
]);
const RELOAD_AFTER = new Set<number>([Op.call, Op.callIndirect, Op.callRef, Op.catch, Op.catchAll]);

function meterBody(body: Uint8Array, params: number, t: MeterTargets): Uint8Array {
  const r = new ByteReader(body);
  const groups = r.u32();
  const groupsStart = r.pos;
  let locals = 0;
  for (let n = groups; n > 0; n--) {
    locals += r.u32();
    const type = r.byte();
    if (type === 0x63 || type === 0x64) r.skipLeb();
  }
  const codeStart = r.pos;
  const { costs, usesTryTable } = analyse(body, codeStart);
  const useLocal = costs.length > 1 && !usesTryTable;
  const fuelLocal = params + locals;
  const global: FuelSlot = { get: (w) => w.byte(Op.globalGet).u32(t.fuelGlobal), set: (w) => w.byte(Op.globalSet).u32(t.fuelGlobal) };
  const local: FuelSlot = { get: (w) => w.byte(Op.localGet).u32(fuelLocal), set: (w) => w.byte(Op.localSet).u32(fuelLocal) };
  const slot = useLocal ? local : global;
  const writeBack = (w: ByteWriter) => (local.get(w), global.set(w));
  const reload = (w: ByteWriter) => (global.get(w), local.set(w));

  const out = new ByteWriter();
  if (useLocal) out.u32(groups + 1).bytes(body.subarray(groupsStart, codeStart)).u32(1).byte(0x7f);
  else out.bytes(body.subarray(0, codeStart));
  charge(out, costs[0]!, global, t);
  if (useLocal) reload(out);

  let nextLoop = 1;
  let depth = 0; // blocks open inside the function body
  const code = new ByteReader(body, codeStart);
  while (!code.done) {
    const at = code.pos;
    const ins = readInstruction(code);
    const op = ins.op;
    if (useLocal) {
      const leavesFunction =
        WRITE_BACK_BEFORE.has(op) || (op === Op.end && depth === 0) || (ins.labels?.includes(depth) ?? false);
      if (leavesFunction) writeBack(out);
    }
    if (ins.funcIndex !== undefined) out.byte(op).u32(t.shiftFunc(ins.funcIndex));
    else out.bytes(body.subarray(at, code.pos));
    if (useLocal && RELOAD_AFTER.has(op)) reload(out);
    if (op === Op.loop) charge(out, costs[nextLoop++]!, slot, t);
    if (opensBlock(op)) depth++;
    else if (op === Op.end || op === Op.delegate) depth--;
  }
  return out.finish();
}

/**
 * Rewrites the payload of the code section. `paramCounts[i]` is the parameter count of defined
 * function i. Errors name the function (index among defined ones).
 */
export function meterCodeSection(payload: Uint8Array, paramCounts: readonly number[], t: MeterTargets): Uint8Array {
  const r = new ByteReader(payload);
  const out = new ByteWriter();
  const count = r.u32();
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const body = r.take(r.u32());
    try {
      out.sized(meterBody(body, paramCounts[i] ?? 0, t));
    } catch (err) {
      if (!(err instanceof WasmFormatError)) throw err;
      throw new WasmFormatError(`in defined function ${i}: ${err.message} of its body`);
    }
  }
  return out.finish();
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
