// Adds fuel metering to a validated Wasm module so the host can stop a runaway callback on the thread
// that runs it (see metering-code.ts for the instrumentation itself).
//
// Added to the module: a type `() -> i32`, an import `wasmfleet:meter.refuel` of that type appended
// after the existing function imports, a mutable i32 fuel global appended after the existing globals,
// and one i32 local in each function with loops. Appending the import shifts every defined function's index by one, so each place that names
// a function is rewritten: call, return_call and ref.func in code and constant expressions, element
// segments, exports, the start function, and the function and local names of the `name` section
// (its other subsections are dropped).

import { ByteReader, ByteWriter } from './wasm-bytes.js';
import { constExprEnd, copyShiftingFuncs, meterCodeSection, type MeterTargets } from './metering-code.js';
import { customSectionName, insertSection, readSections, SectionId, WASM_MAGIC, WASM_VERSION, type Section } from './wasm-sections.js';

export const METER_IMPORT_MODULE = 'wasmfleet:meter';
export const METER_IMPORT_NAME = 'refuel';

function skipValtype(r: ByteReader): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.skipLeb();
}

function skipLimits(r: ByteReader): void {
  const flags = r.u32();
  r.skipLeb();
  if (flags & 1) r.skipLeb();
}

interface ImportCounts { funcs: number; globals: number }

function countImports(payload: Uint8Array | undefined): ImportCounts {
  const counts = { funcs: 0, globals: 0 };
  if (!payload) return counts;
  const r = new ByteReader(payload);
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x00) {
      counts.funcs++;
      r.u32();
    } else if (kind === 0x01) {
      skipValtype(r);
      skipLimits(r);
    } else if (kind === 0x02) {
      skipLimits(r);
    } else if (kind === 0x03) {
      counts.globals++;
      skipValtype(r);
      r.byte();
    } else if (kind === 0x04) {
      r.byte();
      r.u32();
    } else {
      throw new Error(`unknown import kind ${kind}`);
    }
  }
  return counts;
}

/** Re-emits a vector section with one more entry appended after the existing ones. */
function appendToVector(payload: Uint8Array | undefined, entry: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  if (!payload) return w.u32(1).bytes(entry).finish();
  const r = new ByteReader(payload);
  const count = r.u32();
  return w.u32(count + 1).bytes(payload.subarray(r.pos)).bytes(entry).finish();
}

/** Parameter count of each defined function, from the type and function sections. */
function paramCounts(typePayload: Uint8Array, functionPayload: Uint8Array | undefined): number[] {
  const types: number[] = [];
  const r = new ByteReader(typePayload);
  for (let n = r.u32(); n > 0; n--) {
    const form = r.byte();
    if (form !== 0x60) throw new Error(`unsupported type form 0x${form.toString(16)} (only function types are understood)`);
    const params = r.u32();
    for (let i = 0; i < params; i++) skipValtype(r);
    for (let results = r.u32(); results > 0; results--) skipValtype(r);
    types.push(params);
  }
  if (!functionPayload) return [];
  const f = new ByteReader(functionPayload);
  const out: number[] = [];
  for (let n = f.u32(); n > 0; n--) out.push(types[f.u32()] ?? 0);
  return out;
}

function vectorCount(payload: Uint8Array | undefined): number {
  return payload ? new ByteReader(payload).u32() : 0;
}

function rewriteGlobals(payload: Uint8Array | undefined, t: MeterTargets, fuelInit: number): Uint8Array {
  const w = new ByteWriter();
  const fuel = new ByteWriter().byte(0x7f).byte(0x01).byte(0x41).s32(fuelInit).byte(0x0b).finish();
  if (!payload) return w.u32(1).bytes(fuel).finish();
  const r = new ByteReader(payload);
  const count = r.u32();
  w.u32(count + 1);
  for (let i = 0; i < count; i++) {
    const typeStart = r.pos;
    skipValtype(r);
    r.byte(); // mutability
    w.bytes(payload.subarray(typeStart, r.pos));
    const end = constExprEnd(payload, r.pos, payload.length);
    copyShiftingFuncs(payload, r.pos, end, w, t);
    r.pos = end;
  }
  return w.bytes(fuel).finish();
}

function rewriteExports(payload: Uint8Array, t: MeterTargets): Uint8Array {
  const r = new ByteReader(payload);
  const w = new ByteWriter();
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const nameStart = r.pos;
    r.name();
    w.bytes(payload.subarray(nameStart, r.pos));
    const kind = r.byte();
    const index = r.u32();
    w.byte(kind).u32(kind === 0x00 ? t.shiftFunc(index) : index);
  }
  return w.finish();
}

function rewriteElements(payload: Uint8Array, t: MeterTargets): Uint8Array {
  const r = new ByteReader(payload);
  const w = new ByteWriter();
  const copyExpr = () => {
    const end = constExprEnd(payload, r.pos, payload.length);
    copyShiftingFuncs(payload, r.pos, end, w, t);
    r.pos = end;
  };
  const copyRaw = (step: () => void) => {
    const start = r.pos;
    step();
    w.bytes(payload.subarray(start, r.pos));
  };
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags === 2 || flags === 6) copyRaw(() => r.u32()); // explicit table index
    if ((flags & 0b001) === 0) copyExpr(); // active: offset expression
    const usesExprs = (flags & 0b100) !== 0;
    if (flags & 0b011) copyRaw(() => (usesExprs ? skipValtype(r) : r.byte())); // elemkind / reftype
    const n = r.u32();
    w.u32(n);
    for (let k = 0; k < n; k++) {
      if (usesExprs) copyExpr();
      else w.u32(t.shiftFunc(r.u32()));
    }
  }
  return w.finish();
}

function rewriteNames(payload: Uint8Array, t: MeterTargets): Uint8Array {
  const r = new ByteReader(payload);
  const w = new ByteWriter();
  const nameStart = r.pos;
  r.name();
  w.bytes(payload.subarray(nameStart, r.pos));
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const sub = new ByteReader(payload, r.pos, r.pos + size);
    r.pos += size;
    if (id === 0) {
      w.byte(0).sized(payload.subarray(sub.pos, sub.end));
    } else if (id === 1 || id === 2) {
      const body = new ByteWriter();
      const n = sub.u32();
      body.u32(n);
      for (let i = 0; i < n; i++) {
        body.u32(t.shiftFunc(sub.u32()));
        const restStart = sub.pos;
        if (id === 1) sub.name();
        else for (let k = sub.u32(); k > 0; k--) (sub.u32(), sub.name());
        body.bytes(payload.subarray(restStart, sub.pos));
      }
      w.byte(id).sized(body.finish());
    }
  }
  return w.finish();
}

/**
 * Returns the module with metering added. `fuelInit` is the fuel the module starts with. A module
 * without code is returned unchanged. Throws on an instruction or section it does not understand.
 */
export function addMetering(bytes: Uint8Array, fuelInit: number): Uint8Array {
  const sections = readSections(bytes);
  const find = (id: number) => sections.find((s) => s.id === id);
  const typeSection = find(SectionId.type);
  if (!find(SectionId.code) || !typeSection) return bytes;

  const importPayload = find(SectionId.import)?.payload;
  const imports = countImports(importPayload);
  const definedGlobals = vectorCount(find(SectionId.global)?.payload);
  const refuelType = vectorCount(typeSection.payload);
  const t: MeterTargets = {
    fuelGlobal: imports.globals + definedGlobals,
    refuelFunc: imports.funcs,
    shiftFunc: (index) => (index >= imports.funcs ? index + 1 : index),
  };

  const refuelImport = new ByteWriter().name(METER_IMPORT_MODULE).name(METER_IMPORT_NAME).byte(0x00).u32(refuelType).finish();
  const out: Section[] = [];
  for (const s of sections) {
    switch (s.id) {
      case SectionId.type:
        out.push({ id: s.id, payload: appendToVector(s.payload, Uint8Array.of(0x60, 0x00, 0x01, 0x7f)) });
        break;
      case SectionId.import:
        out.push({ id: s.id, payload: appendToVector(s.payload, refuelImport) });
        break;
      case SectionId.global:
        out.push({ id: s.id, payload: rewriteGlobals(s.payload, t, fuelInit) });
        break;
      case SectionId.export:
        out.push({ id: s.id, payload: rewriteExports(s.payload, t) });
        break;
      case SectionId.start:
        out.push({ id: s.id, payload: new ByteWriter().u32(t.shiftFunc(new ByteReader(s.payload).u32())).finish() });
        break;
      case SectionId.element:
        out.push({ id: s.id, payload: rewriteElements(s.payload, t) });
        break;
      case SectionId.code:
        out.push({ id: s.id, payload: meterCodeSection(s.payload, paramCounts(typeSection.payload, find(SectionId.function)?.payload), t) });
        break;
      case SectionId.custom:
        out.push(customSectionName(s) === 'name' ? { id: s.id, payload: rewriteNames(s.payload, t) } : s);
        break;
      default:
        out.push(s);
    }
  }
  if (!importPayload) insertSection(out, { id: SectionId.import, payload: appendToVector(undefined, refuelImport) });
  if (!find(SectionId.global)) insertSection(out, { id: SectionId.global, payload: rewriteGlobals(undefined, t, fuelInit) });

  const w = new ByteWriter().bytes(Uint8Array.from(WASM_MAGIC)).bytes(Uint8Array.from(WASM_VERSION));
  for (const s of out) w.byte(s.id).sized(s.payload);
  return w.finish();
}
