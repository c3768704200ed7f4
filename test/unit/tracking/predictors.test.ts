import { describe, expect, it } from 'vitest';
import { createPredictor, PredictorError } from '../../../src/tracking/predictors.js';
import { PredictedSet } from '../../../src/tracking/predicted-set.js';

const u = (...xs: number[]) => Uint32Array.from(xs);

/** A predictor with its set: next(dirty) updates it and returns the prediction ascending. */
function predictor(spec: string, pages: number): { next(dirty: Uint32Array): number[] } {
  const p = createPredictor(spec, pages);
  const set = new PredictedSet(pages);
  return {
    next(dirty) {
      p.update(dirty, set);
      return [...set.ascending()];
    },
  };
}

describe('write-set predictors', () => {
  it('last predicts the last dirty set', () => {
    const p = predictor('last', 100);
    expect(p.next(u(1, 5, 9))).toEqual([1, 5, 9]);
    expect(p.next(u())).toEqual([]);
  });

  it('history:3:2 predicts pages dirty in at least 2 of the last 3 epochs', () => {
    const p = predictor('history:3:2', 100);
    expect(p.next(u(1, 2))).toEqual([]);
    expect(p.next(u(2, 3))).toEqual([2]);
    expect(p.next(u(1, 3, 4))).toEqual([1, 2, 3]);
    // epoch {1,2} leaves the window
    expect(p.next(u(4))).toEqual([3, 4]);
    expect(p.next(u())).toEqual([4]);
  });

  it('spatial:2 adds neighbours within 2 pages, clipped to RAM, each once', () => {
    const p = predictor('spatial:2', 12);
    expect(p.next(u(0, 3, 10))).toEqual([0, 1, 2, 3, 4, 5, 8, 9, 10, 11]);
  });

  for (const bad of ['', 'next', 'history:2:3', 'history:0:0', 'history:17:1', 'spatial:-1', 'spatial:65', 'spatial:x']) {
    it(`rejects "${bad}"`, () => expect(() => createPredictor(bad, 10)).toThrow(PredictorError));
  }

  it('a predicted set logs who joined and who left, and replaceWith keeps the rest in place', () => {
    const set = new PredictedSet(10);
    set.replaceWith(u(2, 5, 7));
    set.replaceWith(u(7, 1, 5));
    expect([...set.ascending()]).toEqual([1, 5, 7]);
    expect([...set.joined.subarray(0, set.joinedCount)]).toEqual([1]);
    expect([...set.left.subarray(0, set.leftCount)]).toEqual([2]);
    // apply: remove a member from the middle of the list, add two pages.
    set.left[0] = 5;
    set.joined.set([0, 9]);
    set.apply(2, 1);
    expect([...set.ascending()]).toEqual([0, 1, 7, 9]);
    expect([...set.member].map((b, p) => (b ? p : -1)).filter((p) => p >= 0)).toEqual([0, 1, 7, 9]);
    set.replaceWith(u());
    expect(set.leftCount).toBe(4);
    set.replaceWith(u(3));
    set.clear();
    expect(set.size).toBe(0);
    expect(set.member.every((b) => b === 0)).toBe(true);
  });
});
