import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeDebounce } from './change-debounce.js';

describe('ChangeDebounce', () => {
  let batches: string[][];
  const debounce = (quietMs: number, maxMs: number) => new ChangeDebounce<string>((keys) => batches.push(keys), { quietMs, maxMs });

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    batches = [];
  });
  afterEach(() => vi.useRealTimers());

  it('sends a lone change once it has been quiet for quietMs', () => {
    const d = debounce(10, 50);
    d.add('a', Date.now());
    vi.advanceTimersByTime(9);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([['a']]);
  });

  it('keeps a batch open while changes keep coming, one key once', () => {
    const d = debounce(10, 50);
    d.add('a', Date.now());
    vi.advanceTimersByTime(8);
    d.add('b', Date.now());
    vi.advanceTimersByTime(8);
    d.add('a', Date.now());
    vi.advanceTimersByTime(9);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([['a', 'b']]);
  });

  it('sends a batch maxMs after its first change even if changes never stop', () => {
    const d = debounce(10, 30);
    for (let t = 0; t < 30; t += 5) {
      d.add(`k${t}`, Date.now());
      vi.advanceTimersByTime(5);
    }
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual(['k0', 'k5', 'k10', 'k15', 'k20', 'k25']);
  });

  it('counts the time a change waited before it was heard: a late change goes at once', () => {
    const d = debounce(10, 50);
    d.add('late', Date.now() - 40); // made 40 ms ago, heard only now (the event loop was busy)
    d.add('later', Date.now() - 15);
    expect(batches).toEqual([]); // not synchronously: changes read in the same pass still join
    vi.advanceTimersByTime(0);
    expect(batches).toEqual([['late', 'later']]);
  });

  it('treats a change time ahead of this clock (another replica) as now', () => {
    const d = debounce(10, 50);
    d.add('a', Date.now() + 60_000);
    vi.advanceTimersByTime(10);
    expect(batches).toEqual([['a']]);
  });

  it('with quietMs 0 sends on the next timer turn, and starts a new batch afterwards', () => {
    const d = debounce(0, 0);
    d.add('a', Date.now());
    vi.advanceTimersByTime(0);
    d.add('b', Number.NaN); // no time on the message: now
    vi.advanceTimersByTime(0);
    expect(batches).toEqual([['a'], ['b']]);
  });
});
