// Splits a Wasm binary into its top-level sections and knows the order the format requires of them.

import { ByteReader, WasmFormatError } from './wasm-bytes.js';

export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Position of each non-custom section id in the required order (tag sits between memory and global). */
const ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

export function sectionRank(id: number): number {
  const rank = ORDER[id];
  if (rank === undefined) throw new WasmFormatError(`unknown section id ${id}`);
  return rank;
}

export interface Section {
  id: number;
  /** The section's payload (without id and size). */
  payload: Uint8Array;
}

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
export const WASM_VERSION = [0x01, 0x00, 0x00, 0x00] as const;

export function hasWasmMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && WASM_MAGIC.every((b, i) => bytes[i] === b);
}

export function readSections(bytes: Uint8Array): Section[] {
  if (!hasWasmMagic(bytes)) throw new WasmFormatError('not a Wasm binary (bad magic)');
  const r = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, payload: r.take(size) });
  }
  return sections;
}

/** The name of a custom section, or undefined for a standard one. */
export function customSectionName(section: Section): string | undefined {
  if (section.id !== SectionId.custom) return undefined;
  return new ByteReader(section.payload).name();
}

/**
 * Inserts `section` where the format wants it: after every standard section ranked lower (custom
 * sections keep their place relative to their neighbours).
 */
export function insertSection(sections: Section[], section: Section): void {
  const rank = sectionRank(section.id);
  let at = sections.length;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    if (s.id !== SectionId.custom && sectionRank(s.id) > rank) {
      at = i;
      break;
    }
  }
  sections.splice(at, 0, section);
}
