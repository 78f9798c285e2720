import { describe, expect, it } from 'vitest';
import { NackLedger } from './nack-ledger.js';
import type { NackRecord } from './types.js';

function nack(nodeId: string, name: string, version: string, at = 0, cluster = 'east'): NackRecord {
  return { nodeId, cluster, name, version, message: `rejected ${name}@${version}`, at };
}

describe('NackLedger', () => {
  it('answers isNacked per (node, name, version)', () => {
    const ledger = new NackLedger();
    ledger.record(nack('n1', 'a', 'v2'));
    expect(ledger.isNacked('n1', 'a', 'v2')).toBe(true);
    expect(ledger.isNacked('n1', 'a', 'v1')).toBe(false);
    expect(ledger.isNacked('n2', 'a', 'v2')).toBe(false);
    expect(ledger.isNacked('n1', 'b', 'v2')).toBe(false);
  });

  it.each([
    ['no filter', {}, ['n2/b/v1', 'n1/b/v1', 'n1/a/v2', 'n1/a/v1']],
    ['by node', { nodeId: 'n1' }, ['n1/b/v1', 'n1/a/v2', 'n1/a/v1']],
    ['by name', { name: 'a' }, ['n1/a/v2', 'n1/a/v1']],
    ['by cluster', { cluster: 'west' }, ['n2/b/v1']],
    ['by node and name', { nodeId: 'n2', name: 'a' }, []],
  ])('lists newest first, %s', (_case, filter, expected) => {
    const ledger = new NackLedger();
    ledger.record(nack('n1', 'a', 'v1', 1));
    ledger.record(nack('n1', 'a', 'v2', 2));
    ledger.record(nack('n1', 'b', 'v1', 3));
    ledger.record(nack('n2', 'b', 'v1', 4, 'west'));
    expect(ledger.list(filter).map((r) => `${r.nodeId}/${r.name}/${r.version}`)).toEqual(expected);
  });

  it('keeps at most maxRecords records, dropping the oldest', () => {
    const ledger = new NackLedger({ maxRecords: 3 });
    for (let i = 1; i <= 7; i++) ledger.record(nack('n1', `r${i}`, 'v1', i));
    expect(ledger.size).toBe(3);
    expect(ledger.list().map((r) => r.at)).toEqual([7, 6, 5]);
    // The refused set is bounded separately: dropping a record from the list does not forget the refusal.
    expect(ledger.isNacked('n1', 'r1', 'v1')).toBe(true);
  });

  it('defaults to 10,000 records', () => {
    const ledger = new NackLedger();
    for (let i = 0; i < 10_050; i++) ledger.record(nack('n1', 'a', `v${i}`, i));
    expect(ledger.size).toBe(10_000);
    expect(ledger.list()[0]?.at).toBe(10_049);
    expect(ledger.list().at(-1)?.at).toBe(50);
  });

  it('remembers at most maxVersionsPerResource refused versions per (node, name), oldest forgotten', () => {
    const ledger = new NackLedger({ maxVersionsPerResource: 2 });
    ledger.record(nack('n1', 'a', 'v1'));
    ledger.record(nack('n1', 'a', 'v2'));
    ledger.record(nack('n1', 'a', 'v3'));
    expect(ledger.isNacked('n1', 'a', 'v1')).toBe(false);
    expect(ledger.isNacked('n1', 'a', 'v2')).toBe(true);
    expect(ledger.isNacked('n1', 'a', 'v3')).toBe(true);
  });

  it('remembers at most maxResources (node, name) pairs, the least recently NACKed forgotten', () => {
    const ledger = new NackLedger({ maxResources: 2 });
    ledger.record(nack('n1', 'a', 'v1'));
    ledger.record(nack('n2', 'a', 'v1'));
    ledger.record(nack('n1', 'a', 'v2')); // refreshes n1/a
    ledger.record(nack('n3', 'a', 'v1')); // evicts n2/a
    expect(ledger.isNacked('n2', 'a', 'v1')).toBe(false);
    expect(ledger.isNacked('n1', 'a', 'v1')).toBe(true);
    expect(ledger.isNacked('n3', 'a', 'v1')).toBe(true);
  });

  it('calls onRecord with each record', () => {
    const persisted: NackRecord[] = [];
    const ledger = new NackLedger({ onRecord: (r) => persisted.push(r) });
    const record = nack('n1', 'a', 'v1');
    ledger.record(record);
    expect(persisted).toEqual([record]);
  });

  it.each([['maxRecords'], ['maxVersionsPerResource'], ['maxResources']])('rejects a non-positive %s', (option) => {
    expect(() => new NackLedger({ [option]: 0 })).toThrow(RangeError);
  });
});
