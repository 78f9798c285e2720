// Remembers which node refused which version of which resource, so that version is never sent to that node
// again — across streams and reconnects (go-control-plane resends a NACKed version forever, issue #962).
// Memory is bounded: the record list is a ring, and the refused-version sets are capped per resource and
// in number, the least recently NACKed dropped first.
import type { NackRecord } from './types.js';

export interface NackLedgerOptions {
  /** Records kept for `list()`; the oldest is dropped first. Default 10,000. */
  maxRecords?: number;
  /** Refused versions remembered per (node id, name); the oldest is forgotten first. Default 16. */
  maxVersionsPerResource?: number;
  /** (node id, name) pairs remembered; the least recently NACKed is forgotten first. Default 100,000. */
  maxResources?: number;
  /** Called after each record, e.g. to persist it or write an audit entry. */
  onRecord?: (record: NackRecord) => void;
}

export interface NackFilter {
  nodeId?: string;
  name?: string;
  cluster?: string;
}

export const NACK_LEDGER_DEFAULTS = {
  maxRecords: 10_000,
  maxVersionsPerResource: 16,
  maxResources: 100_000,
} as const;

export class NackLedger {
  private readonly maxRecords: number;
  private readonly maxVersionsPerResource: number;
  private readonly maxResources: number;
  private readonly onRecord: ((record: NackRecord) => void) | undefined;
  /** Ring buffer: `next` is where the next record goes; once full it overwrites the oldest. */
  private readonly ring: NackRecord[] = [];
  private next = 0;
  /** `${nodeId}\0${name}` → refused versions; Map order is recency of the last NACK. */
  private readonly refused = new Map<string, Set<string>>();

  constructor(options: NackLedgerOptions = {}) {
    this.maxRecords = positive(options.maxRecords ?? NACK_LEDGER_DEFAULTS.maxRecords, 'maxRecords');
    this.maxVersionsPerResource = positive(
      options.maxVersionsPerResource ?? NACK_LEDGER_DEFAULTS.maxVersionsPerResource,
      'maxVersionsPerResource',
    );
    this.maxResources = positive(options.maxResources ?? NACK_LEDGER_DEFAULTS.maxResources, 'maxResources');
    this.onRecord = options.onRecord;
  }

  record(record: NackRecord): void {
    if (this.ring.length < this.maxRecords) this.ring.push(record);
    else this.ring[this.next] = record;
    this.next = (this.next + 1) % this.maxRecords;
    this.remember(record.nodeId, record.name, record.version);
    this.onRecord?.(record);
  }

  /** O(1): did `nodeId` refuse `version` of `name`? */
  isNacked(nodeId: string, name: string, version: string): boolean {
    if (this.refused.size === 0) return false; // the usual case: no key to build for every push
    return this.refused.get(refusedKey(nodeId, name))?.has(version) ?? false;
  }

  /** Records matching every given field, newest first. */
  list(filter: NackFilter = {}): NackRecord[] {
    const out: NackRecord[] = [];
    const size = this.ring.length;
    for (let i = 1; i <= size; i++) {
      const record = this.ring[(this.next - i + size) % size];
      if (record && matches(record, filter)) out.push(record);
    }
    return out;
  }

  get size(): number {
    return this.ring.length;
  }

  private remember(nodeId: string, name: string, version: string): void {
    const key = refusedKey(nodeId, name);
    const versions = this.refused.get(key) ?? new Set<string>();
    // Re-insert so Map order tracks recency, then evict from the front.
    this.refused.delete(key);
    this.refused.set(key, versions);
    versions.delete(version);
    versions.add(version);
    if (versions.size > this.maxVersionsPerResource) deleteFirst(versions);
    if (this.refused.size > this.maxResources) deleteFirst(this.refused);
  }
}

function refusedKey(nodeId: string, name: string): string {
  return `${nodeId}\0${name}`;
}

function matches(record: NackRecord, filter: NackFilter): boolean {
  return (
    (filter.nodeId === undefined || record.nodeId === filter.nodeId) &&
    (filter.name === undefined || record.name === filter.name) &&
    (filter.cluster === undefined || record.cluster === filter.cluster)
  );
}

function deleteFirst(collection: Set<string> | Map<string, unknown>): void {
  const first = collection.keys().next();
  if (!first.done) collection.delete(first.value);
}

function positive(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`NackLedger option ${option} must be a positive integer, got ${value}`);
  }
  return value;
}
