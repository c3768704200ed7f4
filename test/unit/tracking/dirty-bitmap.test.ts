import { describe, expect, it } from 'vitest';
import { harvestDirty, markDirty, popcount32 } from '../../../src/tracking/dirty-bitmap.js';

describe('dirty bitmap', () => {
  it('harvests set bits ascending and clears them', () => {
    const bm = new Uint32Array(4);
    for (const p of [97, 0, 31, 32, 64, 5]) markDirty(bm, p);
    expect([...harvestDirty(bm, 128)]).toEqual([0, 5, 31, 32, 64, 97]);
    expect([...bm]).toEqual([0, 0, 0, 0]);
    expect(harvestDirty(bm, 128).length).toBe(0);
  });

  it('ignores bits past the last guest page', () => {
    const bm = new Uint32Array(1);
    bm[0] = 0xffffffff;
    expect([...harvestDirty(bm, 3)]).toEqual([0, 1, 2]);
  });

  it('popcount32', () => {
    for (const [w, n] of [[0, 0], [1, 1], [0xffffffff, 32], [0x80000001, 2], [0x12345678, 13]]) expect(popcount32(w)).toBe(n);
  });
});
