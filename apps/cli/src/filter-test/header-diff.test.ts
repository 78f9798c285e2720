import { describe, expect, it } from 'vitest';
import { diffHeaders, isEmptyDiff } from './header-diff.js';

describe('diffHeaders', () => {
  it('finds added, removed and changed headers by lower-cased name', () => {
    const d = diffHeaders(
      [['Content-Type', 'text/plain'], ['x-old', '1'], ['x-same', 'a']],
      [['content-type', 'application/json'], ['x-same', 'a'], ['x-new', '2']],
    );
    expect(d.added).toEqual([{ name: 'x-new', value: '2' }]);
    expect(d.removed).toEqual([{ name: 'x-old', value: '1' }]);
    expect(d.changed).toEqual([{ name: 'content-type', before: ['text/plain'], after: ['application/json'] }]);
    expect(isEmptyDiff(d)).toBe(false);
  });

  it('sees a second value of a repeated header as a change', () => {
    const d = diffHeaders([['set-cookie', 'a=1']], [['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
    expect(d.changed).toEqual([{ name: 'set-cookie', before: ['a=1'], after: ['a=1', 'b=2'] }]);
  });

  it('is empty for identical lists', () => {
    expect(isEmptyDiff(diffHeaders([['a', '1'], ['b', '2']], [['a', '1'], ['b', '2']]))).toBe(true);
  });
});
