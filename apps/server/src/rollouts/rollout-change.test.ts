import { describe, expect, it } from 'vitest';
import { parseChange } from './rollout-store.js';

describe('parseChange (the rollouts:changes message)', () => {
  it('reads the rollout id and its commit time', () => {
    expect(parseChange('shop/add-header\n2026-11-22T07:40:00.123Z')).toEqual({ id: 'shop/add-header', at: Date.UTC(2026, 10, 22, 7, 40, 0, 123) });
  });

  it('reads a bare id (an older replica) with an unknown time', () => {
    const change = parseChange('shop/add-header');
    expect(change.id).toBe('shop/add-header');
    expect(change.at).toBeNaN();
  });
});
