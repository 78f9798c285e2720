// Decodes one Wasm instruction: its opcode and the length of its immediates. Covers what Node 20's V8
// accepts without flags: MVP, sign extension, saturating truncation, bulk memory, reference types,
// multi-value, SIMD, threads/atomics, legacy exception handling, tail calls, extended constants (and
// try_table / typed function references for newer engines). An opcode outside that set is refused
// with its offset: the metering rewriter must understand every instruction to be sound.

import { ByteReader, WasmFormatError } from './wasm-bytes.js';

export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  try: 0x06,
  catch: 0x07,
  throw: 0x08,
  rethrow: 0x09,
  throwRef: 0x0a,
  end: 0x0b,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  returnCall: 0x12,
  returnCallIndirect: 0x13,
  callRef: 0x14,
  returnCallRef: 0x15,
  delegate: 0x18,
  catchAll: 0x19,
  tryTable: 0x1f,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Const: 0x41,
  i32LtS: 0x48,
  i32Sub: 0x6b,
  refFunc: 0xd2,
} as const;

export interface Instruction {
  /** The first opcode byte (the prefix for 0xFC/0xFD/0xFE instructions). */
  op: number;
  /** Set for call, return_call and ref.func: the function index they name. */
  funcIndex?: number;
  /** Set for branches (br, br_if, br_table, br_on_null, br_on_non_null): their label depths. */
  labels?: number[];
}

/** Instructions that open a block closed by `end` (or, for `try`, by `delegate`). */
export function opensBlock(op: number): boolean {
  return op === Op.block || op === Op.loop || op === Op.if || op === Op.try || op === Op.tryTable;
}

function memarg(r: ByteReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // multi-memory: explicit memory index
  r.skipLeb(); // offset (u32, or u64 with memory64)
}

function valtype(r: ByteReader): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.skipLeb(); // (ref null? heaptype)
}

function misc(r: ByteReader, at: number): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  switch (sub) {
    case 8: // memory.init data mem
    case 10: // memory.copy mem mem
    case 12: // table.init elem table
    case 14: // table.copy table table
      r.u32();
      r.u32();
      return;
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
    default:
      throw unknown(0xfc, sub, at);
  }
}

function simd(r: ByteReader, at: number): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) return memarg(r); // loads, stores, load*_zero
  if (sub === 12 || sub === 13) return r.skip(16); // v128.const, i8x16.shuffle
  if (sub >= 21 && sub <= 34) return r.skip(1); // extract/replace lane
  if (sub >= 84 && sub <= 91) {
    memarg(r); // load/store lane
    r.skip(1);
    return;
  }
  if (sub <= 0x113) return; // every other SIMD (and relaxed SIMD) opcode has no immediate
  throw unknown(0xfd, sub, at);
}

function atomic(r: ByteReader, at: number): void {
  const sub = r.u32();
  if (sub === 0x03) return r.skip(1); // atomic.fence
  if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) return memarg(r);
  throw unknown(0xfe, sub, at);
}

function unknown(prefix: number, sub: number | undefined, at: number): WasmFormatError {
  const code = sub === undefined ? `0x${prefix.toString(16)}` : `0x${prefix.toString(16)} ${sub}`;
  return new WasmFormatError(`unsupported instruction ${code} at byte ${at}`);
}

/** Reads one instruction at `r.pos`, leaving `r.pos` at the next one. */
export function readInstruction(r: ByteReader): Instruction {
  const at = r.pos;
  const op = r.byte();
  if (op >= 0x45 && op <= 0xc4) return { op }; // numeric, conversions, sign extension
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0b: case 0x0f: case 0x19:
    case 0x1a: case 0x1b: case 0xd1: case 0xd3:
      return { op };
    case 0x02: case 0x03: case 0x04: case 0x06:
      r.skipLeb(); // blocktype: empty, a value type or an s33 type index
      return { op };
    case 0x1f: { // try_table blocktype vec(catch)
      r.skipLeb();
      for (let n = r.u32(); n > 0; n--) {
        const kind = r.byte();
        if (kind <= 1) r.u32(); // catch / catch_ref name a tag
        r.u32(); // label
      }
      return { op };
    }
    case 0x0c: case 0x0d: case 0xd4: case 0xd5:
      return { op, labels: [r.u32()] };
    case 0x07: case 0x08: case 0x09: case 0x14: case 0x15: case 0x18:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
    case 0x3f: case 0x40:
      r.u32();
      return { op };
    case 0x10: case 0x12: case 0xd2:
      return { op, funcIndex: r.u32() };
    case 0x0e: { // br_table vec(label) default
      const labels: number[] = [];
      for (let n = r.u32(); n >= 0; n--) labels.push(r.u32());
      return { op, labels };
    }
    case 0x11: case 0x13: // call_indirect / return_call_indirect type table
      r.u32();
      r.u32();
      return { op };
    case 0x1c: // select t*
      for (let n = r.u32(); n > 0; n--) valtype(r);
      return { op };
    case 0x41: case 0x42: case 0xd0:
      r.skipLeb();
      return { op };
    case 0x43:
      r.skip(4);
      return { op };
    case 0x44:
      r.skip(8);
      return { op };
    case 0xfc:
      misc(r, at);
      return { op };
    case 0xfd:
      simd(r, at);
      return { op };
    case 0xfe:
      atomic(r, at);
      return { op };
    default:
      if (op >= 0x28 && op <= 0x3e) {
        memarg(r);
        return { op };
      }
      throw unknown(op, undefined, at);
  }
}
