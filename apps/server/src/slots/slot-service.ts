// Slot use cases: validate at the boundary, then write through the store (which announces the change).
import {
  CreateSlotRequestSchema,
  parseOrThrow,
  SlotNameSchema,
  UpdateSlotRequestSchema,
  wasmFilterConfigOf,
  type Slot,
} from '@wasmfleet/api';
import { encodeWasmFilter } from '@wasmfleet/envoy';
import type { SlotStore } from './slot-store.js';

export class SlotService {
  constructor(private readonly store: SlotStore) {}

  private name(raw: unknown): string {
    return parseOrThrow(SlotNameSchema, raw, 'name');
  }

  async create(body: unknown): Promise<Slot> {
    const req = parseOrThrow(CreateSlotRequestSchema, body);
    // Encoding is the last check before anything is written: a config Envoy could not take is refused here.
    encodeWasmFilter(wasmFilterConfigOf(req.name, req.spec));
    return this.store.create(req.name, req.spec);
  }

  async update(rawName: unknown, body: unknown): Promise<Slot> {
    const name = this.name(rawName);
    const req = parseOrThrow(UpdateSlotRequestSchema, body);
    encodeWasmFilter(wasmFilterConfigOf(name, req.spec));
    return this.store.update(name, req.spec, req.expectedVersion);
  }

  get(rawName: unknown): Promise<Slot> {
    return this.store.getOrThrow(this.name(rawName));
  }

  list(): Promise<Slot[]> {
    return this.store.list();
  }

  delete(rawName: unknown, expectedVersion?: string): Promise<void> {
    return this.store.delete(this.name(rawName), expectedVersion || undefined);
  }
}
