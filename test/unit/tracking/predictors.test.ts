import { describe, expect, it } from 'vitest';
import { createPredictor, PredictorError } from '../../../src/tracking/predictors.js';
import { mergeAscending } from '../../../src/tracking/merge.js';

const u = (...xs: number[]) => Uint32Array.from(xs);

describe('write-set predictors', () => {
  it('last predicts the last dirty set', () => {
    const p = createPredictor('last', 100);
    expect([...p.next(u(1, 5, 9))]).toEqual([1, 5, 9]);
    expect([...p.next(u()).values()]).toEqual([]);
  });

  it('history:3:2 predicts pages dirty in at least 2 of the last 3 epochs', () => {
    const p = createPredictor('history:3:2', 100);
    expect([...p.next(u(1, 2))]).toEqual([]);
    expect([...p.next(u(2, 3))]).toEqual([2]);
    expect([...p.next(u(1, 3, 4))]).toEqual([1, 2, 3]);
    // epoch {1,2} leaves the window
    expect([...p.next(u(4))]).toEqual([3, 4]);
    expect([...p.next(u())]).toEqual([4]);
  });

  it('spatial:2 adds neighbours within 2 pages, clipped to RAM, each once', () => {
    const p = createPredictor('spatial:2', 12);
    expect([...p.next(u(0, 3, 10))]).toEqual([0, 1, 2, 3, 4, 5, 8, 9, 10, 11]);
  });

  for (const bad of ['', 'next', 'history:2:3', 'history:0:0', 'history:17:1', 'spatial:-1', 'spatial:65', 'spatial:x']) {
    it(`rejects "${bad}"`, () => expect(() => createPredictor(bad, 10)).toThrow(PredictorError));
  }

  it('mergeAscending merges disjoint ascending lists', () => {
    expect([...mergeAscending(u(1, 4, 9), [0, 5, 10])]).toEqual([0, 1, 4, 5, 9, 10]);
    expect([...mergeAscending(u(), [3])]).toEqual([3]);
  });
});
