import { describe, expect, it } from 'vitest';
import { harvestDirty, harvestInto, markDirty } from '../../../src/tracking/dirty-bitmap.js';
import { createPolicy } from '../../../src/tracking/modes.js';
import { createPredictor } from '../../../src/tracking/predictors.js';
import { PredictedSet } from '../../../src/tracking/predicted-set.js';
import type { WfpPolicy } from '../../../src/tracking/wfp.js';
import { allocateVm, attachVm, type VmViews } from '../../../src/vm/vm-buffers.js';
import { PML_INDEX, PML_INDEX_EMPTY, SPT_D, SPT_PW, SPT_PWD, SPT_W } from '../../../src/vm/layout.js';

/**
 * The pause's collect and the predictors against straightforward reference versions
 * (Sets, sort), on random inputs: the same dirty set, ascending, and the same shadow
 * entries afterwards. Page counts that are not a multiple of 4 or 32 reach the tail loops.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const ascending = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

function randomSet(r: () => number, pages: number, density: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < pages; p++) if (r() < density) out.push(p);
  return out;
}

const SIZES = [1, 3, 4, 31, 32, 33, 1003, 4096];
const DENSITIES = [0, 0.01, 0.3, 1];

function vmOf(pages: number): VmViews {
  return attachVm(allocateVm(pages, 2));
}

describe('harvest', () => {
  it('takes exactly the set bits, ascending, and clears the bitmap, on random bitmaps', () => {
    const r = rng(1);
    for (const pages of SIZES) for (const density of DENSITIES) {
      const bitmap = new Uint32Array(Math.ceil(pages / 32));
      const set = randomSet(r, pages, density);
      for (const p of set) markDirty(bitmap, p);
      const scratch = new Uint32Array(pages);
      expect([...harvestDirty(bitmap, pages, scratch)]).toEqual(set);
      expect(bitmap.every((w) => w === 0)).toBe(true);
      expect(harvestInto(bitmap, pages, scratch)).toBe(0);
    }
  });

  it('bit 31 of a word (a negative int32) is page 32i + 31', () => {
    const bitmap = new Uint32Array(3);
    for (const p of [31, 63, 95, 64]) markDirty(bitmap, p);
    expect([...harvestDirty(bitmap, 96)]).toEqual([31, 63, 64, 95]);
  });

  it('returns a fresh array each time: the scratch buffer is reused, the dirty set is not', () => {
    const bitmap = new Uint32Array(1);
    const scratch = new Uint32Array(32);
    markDirty(bitmap, 3);
    const first = harvestDirty(bitmap, 32, scratch);
    markDirty(bitmap, 7);
    const second = harvestDirty(bitmap, 32, scratch);
    expect([...first, ...second]).toEqual([3, 7]);
    expect(first.buffer).not.toBe(scratch.buffer);
  });
});

describe('collect per mode, against a reference', () => {
  it('dbit: the pages with D, ascending; D cleared there, every other bit kept', () => {
    const r = rng(2);
    for (const pages of SIZES) for (const density of DENSITIES) {
      const vm = vmOf(pages);
      const policy = createPolicy('dbit', vm, { predictor: 'last' });
      for (let round = 0; round < 3; round++) {
        for (let p = 0; p < pages; p++) vm.spt[p] = r() < density ? (Math.floor(r() * 8) | SPT_D) : Math.floor(r() * 8) & ~SPT_D;
        const before = [...vm.spt];
        const want = before.flatMap((e, p) => ((e & SPT_D) !== 0 ? [p] : []));
        expect([...policy.collectDirty()]).toEqual(want);
        expect([...vm.spt]).toEqual(before.map((e) => e & ~SPT_D));
        policy.resetForEpoch(new Uint32Array(0));
      }
    }
  });

  it('pml: drained rings and the bitmap, each page once, ascending; D cleared on exactly those', () => {
    const r = rng(3);
    for (const pages of SIZES) for (const density of DENSITIES) {
      const vm = vmOf(pages);
      const policy = createPolicy('pml', vm, { predictor: 'last' });
      policy.start();
      const logged: number[] = [];
      for (const ring of vm.pml) {
        const n = Math.floor(r() * Math.min(PML_INDEX_EMPTY + 1, pages + 1));
        for (let k = 0; k < n; k++) {
          const p = Math.floor(r() * pages);
          ring[1 + PML_INDEX_EMPTY - k] = p;
          logged.push(p);
        }
        ring[PML_INDEX] = PML_INDEX_EMPTY - n;
      }
      const marked = randomSet(r, pages, density);
      for (const p of marked) markDirty(vm.bitmap, p);
      const want = ascending([...logged, ...marked]);
      for (const p of want) vm.spt[p] = SPT_PWD;
      expect([...policy.collectDirty()]).toEqual(want);
      for (const p of want) expect(vm.spt[p]).toBe(SPT_PW);
      for (const ring of vm.pml) expect(ring[PML_INDEX]).toBe(PML_INDEX_EMPTY);
    }
  });

  it('wfp: write faults (bitmap) and predicted pages with D, merged; counts add up; grants revoked and re-made', () => {
    const r = rng(4);
    for (const pages of SIZES.filter((n) => n > 1)) for (const predictor of ['last', 'history:4:1', 'history:3:2', 'spatial:2']) {
      const vm = vmOf(pages);
      const policy = createPolicy('wfp', vm, { predictor }) as WfpPolicy;
      policy.start();
      let predicted: number[] = [];
      for (let epoch = 0; epoch < 6; epoch++) {
        // The guest: each predicted page written (D set) or not; other pages written by a fault.
        const hits = predicted.filter(() => r() < 0.5);
        for (const p of hits) vm.spt[p] |= SPT_D;
        const isPredicted = new Set(predicted);
        const faulted = randomSet(r, pages, 0.2).filter((p) => !isPredicted.has(p));
        for (const p of faulted) {
          markDirty(vm.bitmap, p);
          vm.spt[p] = SPT_PWD;
        }
        const dirty = policy.collectDirty();
        expect([...dirty]).toEqual(ascending([...hits, ...faulted]));
        expect(policy.predictorCounts()).toEqual({
          predicted: predicted.length, hits: hits.length, wasted: predicted.length - hits.length, misses: faulted.length,
        });
        policy.resetForEpoch(dirty);
        // Every written page lost W and D, unless predicted again: then exactly P|W.
        const next = new Set(referencePrediction(predictor, pages, epoch, dirty));
        for (let p = 0; p < pages; p++) {
          if (next.has(p)) expect(vm.spt[p]).toBe(SPT_PW);
          else expect(vm.spt[p] & (SPT_W | SPT_D)).toBe(0);
        }
        predicted = [...next].sort((a, b) => a - b);
      }
    }
  });
});

// The reference predictors, one per (spec, pages) and fed in order by the test above.
const references = new Map<string, ReferencePredictor>();
function referencePrediction(spec: string, pages: number, epoch: number, dirty: Uint32Array): number[] {
  const key = `${spec}/${pages}`;
  if (epoch === 0) references.set(key, new ReferencePredictor(spec, pages));
  return references.get(key)!.next([...dirty]);
}

/** The predictors' definitions, written as plainly as possible (docs/design.md, Tracking modes). */
class ReferencePredictor {
  private readonly window: number[][] = [];
  constructor(private readonly spec: string, private readonly pages: number) {}

  next(dirty: number[]): number[] {
    const [name, a, b] = this.spec.split(':');
    if (name === 'last') return dirty;
    if (name === 'spatial') {
      const w = Number(a);
      const out = new Set<number>();
      for (const p of dirty) for (let q = p - w; q <= p + w; q++) if (q >= 0 && q < this.pages) out.add(q);
      return ascending(out);
    }
    const k = Number(a), m = Number(b);
    this.window.push(dirty);
    if (this.window.length > k) this.window.shift();
    const count = new Map<number, number>();
    for (const set of this.window) for (const p of set) count.set(p, (count.get(p) ?? 0) + 1);
    return ascending([...count].filter(([, n]) => n >= m).map(([p]) => p));
  }
}

describe('predictors against the reference, on random dirty sets', () => {
  const specs = ['last', 'history:1:1', 'history:8:1', 'history:3:2', 'history:5:5', 'history:16:7', 'spatial:0', 'spatial:3', 'spatial:64'];
  for (const spec of specs) {
    it(spec, () => {
      const r = rng(spec.length * 7919);
      for (const pages of [1, 33, 1003]) {
        const p = createPredictor(spec, pages);
        const set = new PredictedSet(pages);
        const ref = new ReferencePredictor(spec, pages);
        let before: number[] = [];
        for (let epoch = 0; epoch < 40; epoch++) {
          // Dense and sparse epochs, and a few empty ones.
          const density = [0, 0.02, 0.3, 0.9][Math.floor(r() * 4)];
          const dirty = randomSet(r, pages, density);
          p.update(Uint32Array.from(dirty), set);
          const want = ref.next(dirty);
          expect([...set.ascending()]).toEqual(want);
          // wfp resets only the pages logged as changed: the logs must be exactly the change.
          const was = new Set(before), now = new Set(want);
          expect(ascending(set.joined.subarray(0, set.joinedCount))).toEqual(want.filter((q) => !was.has(q)));
          expect(ascending(set.left.subarray(0, set.leftCount))).toEqual(before.filter((q) => !now.has(q)));
          expect(set.joinedCount + set.leftCount).toBe(new Set([...set.joined.subarray(0, set.joinedCount), ...set.left.subarray(0, set.leftCount)]).size);
          before = want;
        }
      }
    });
  }
});
