import { describe, expect, it } from 'vitest';
import { PROGRESS_MIN_BYTES, transferProgress } from './progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 120, writes, write: (s: string) => writes.push(s) };
}

const MiB = 1024 * 1024;

describe('transferProgress', () => {
  it('prints plain lines at each quarter when stderr is not a terminal', () => {
    const s = sink(false);
    const p = transferProgress('pull x', { sink: s });
    for (let done = 0; done <= 4 * MiB; done += 256 * 1024) p.onProgress({ phase: 'download', bytesDone: done, bytesTotal: 4 * MiB });
    p.finish();
    expect(s.writes).toEqual(['pull x: 0% of 4.0 MiB\n', 'pull x: 25% of 4.0 MiB\n', 'pull x: 50% of 4.0 MiB\n', 'pull x: 75% of 4.0 MiB\n', 'pull x: 100% of 4.0 MiB\n']);
  });

  it('redraws one line on a terminal, at most every 100 ms, and ends it', () => {
    const s = sink(true);
    let now = 0;
    const p = transferProgress('push m', { sink: s, now: () => now });
    for (let i = 0; i <= 10; i++) {
      now = i * 30;
      p.onProgress({ phase: 'upload', bytesDone: (i * 2 * MiB) / 10, bytesTotal: 2 * MiB });
    }
    p.finish();
    const draws = s.writes.filter((w) => w.startsWith('\r'));
    expect(draws.length).toBeGreaterThanOrEqual(3);
    expect(draws.length).toBeLessThan(11);
    expect(draws.every((d) => d.endsWith('\x1b[K'))).toBe(true);
    expect(draws.at(-1)).toContain('100%');
    expect(s.writes.at(-1)).toBe('\n');
  });

  it('stays silent for small modules, other phases, or when disabled', () => {
    const s = sink(false);
    transferProgress('a', { sink: s }).onProgress({ phase: 'download', bytesDone: 10, bytesTotal: PROGRESS_MIN_BYTES - 1 });
    transferProgress('b', { sink: s }).onProgress({ phase: 'resolve', bytesDone: 0, bytesTotal: 0 });
    transferProgress('c', { sink: s, enabled: false }).onProgress({ phase: 'download', bytesDone: MiB, bytesTotal: 8 * MiB });
    expect(s.writes).toEqual([]);
  });
});
