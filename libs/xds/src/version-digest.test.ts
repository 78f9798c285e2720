import { describe, expect, it } from 'vitest';
import { HeldVersions } from './version-digest.js';

function held(entries: Array<[string, string]>): HeldVersions {
  const h = new HeldVersions();
  for (const [name, version] of entries) h.set(name, version);
  return h;
}

describe('HeldVersions', () => {
  it('digests equal contents equally, whatever the order and history', () => {
    const a = held([['x', '1'], ['y', '2'], ['z', '3']]);
    const b = held([['z', '3'], ['x', '0'], ['y', '2'], ['gone', '9']]);
    b.set('x', '1');
    b.delete('gone');
    expect(b.digest()).toBe(a.digest());
    expect(a.digest()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps its values: replicas and restarts must report the same digest for the same contents', () => {
    // Pinned from the first implementation (Number#toString(16) padded), leading zeros included.
    expect(held([['a', '1'], ['b', '2']]).digest()).toBe('1597fbcff4d2b1cb');
    expect(held([['wasmfleet.bookinfo.add-header', 'r7-3f2a']]).digest()).toBe('7caf030e7074f5d9');
    expect(held([['slot-425', 'v1']]).digest()).toBe('03fe18bd0cf89b38');
    expect(new HeldVersions().digest()).toBe('0000000000000000');
  });

  it('changes the digest when a version, a name or the set of names changes', () => {
    const base = held([['x', '1'], ['y', '2']]);
    const digests = new Set([
      base.digest(),
      held([['x', '1'], ['y', '3']]).digest(),
      held([['x', '2'], ['y', '1']]).digest(), // same versions, swapped between names
      held([['x1', ''], ['y', '2']]).digest(), // name/version boundary moved
      held([['x', '1']]).digest(),
      new HeldVersions().digest(),
    ]);
    expect(digests.size).toBe(6);
  });

  it('returns to the empty digest when everything is removed, by delete or clear', () => {
    const empty = new HeldVersions().digest();
    const h = held([['x', '1'], ['y', '2']]);
    h.delete('x');
    h.delete('y');
    expect(h.delete('y')).toBe(false);
    expect(h.digest()).toBe(empty);
    const c = held([['x', '1']]);
    c.clear();
    expect(c.digest()).toBe(empty);
    expect(c.size).toBe(0);
  });

  it('keeps distinct digests over many holdings (no collisions among 20,000)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(held([['slot-a', `r${i}`], ['slot-b', `r${i % 7}`]]).digest());
    expect(seen.size).toBe(20_000);
  });
});
