import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../../src/tracking/modes.js';
import { directFaultMemory, warmUpTracking } from '../../../src/tracking/warm-up.js';
import type { TrackedMode } from '../../../src/tracking/policy.js';
import { PAGE_SIZE } from '../../../src/vm/layout.js';
import { allocateVm, attachVm } from '../../../src/vm/vm-buffers.js';

/** Dirty sets of 30 epochs on a fresh VM, written through the access path (faults serviced by a direct call). */
function dirtySets(mode: TrackedMode, predictor: string): number[][] {
  const vm = attachVm(allocateVm(512, 1));
  const policy = createPolicy(mode, vm, { predictor });
  const mem = directFaultMemory(mode, vm);
  policy.start();
  let s = 9;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: number[][] = [];
  for (let e = 0; e < 30; e++) {
    for (let i = 0; i < 40; i++) {
      const p = i < 10 ? i * 3 : Math.floor(random() * 512);
      mem.store32(p * PAGE_SIZE, e);
    }
    const dirty = policy.collectDirty();
    out.push([...dirty]);
    policy.resetForEpoch(dirty);
  }
  return out;
}

describe('warmUpTracking', () => {
  for (const [mode, predictor] of [['logdirty', 'last'], ['rfr', 'last'], ['wfp', 'history:8:1'], ['wfp', 'history:16:3'], ['wfp', 'spatial:2'], ['dbit', 'last'], ['pml', 'last']] as const) {
    it(`${mode} ${predictor}: runs, and a policy made after it tracks exactly as one made before`, () => {
      const before = dirtySets(mode, predictor);
      warmUpTracking(mode, predictor);
      expect(dirtySets(mode, predictor)).toEqual(before);
      expect(before.some((d) => d.length > 0)).toBe(true);
    });
  }
});
