import { describe, expect, it } from 'vitest';
import { createFaultHandler, createPolicy } from '../../../src/tracking/modes.js';
import { directFaultMemory, warmUpFaultPath, warmUpTracking, warmUpTrackerService } from '../../../src/tracking/warm-up.js';
import { usesPmlRing, type TrackedMode } from '../../../src/tracking/policy.js';
import { TrackedMemory, type FaultPort } from '../../../src/vm/access.js';
import { PAGE_SIZE } from '../../../src/vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../../../src/vm/vm-buffers.js';

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

describe('warmUpFaultPath and warmUpTrackerService', () => {
  for (const mode of ['logdirty', 'rfr', 'wfp', 'dbit', 'pml'] as const) {
    // dbit and pml grant write access at the first touch; the others take write faults.
    const writes = mode === 'dbit' || mode === 'pml' ? 0 : 1_500;

    it(`${mode}: the access path takes thousands of faults over one scratch VM, booted again and again`, () => {
      const vms: VmViews[] = [];
      let taken = 0;
      const faults = warmUpFaultPath(mode, 2, (vm) => {
        vms.push(vm);
        const handler = createFaultHandler(mode, vm);
        const port: FaultPort = { fault: (kind, pfn) => { taken++; handler.serviceFault(kind, pfn, 1); } };
        return new TrackedMemory(vm, port, usesPmlRing(mode) ? vm.pml[1] : null);
      });
      expect(vms.length).toBeGreaterThan(1);
      expect(new Set(vms.map((vm) => vm.ram8.buffer)).size).toBe(1);
      expect(vms[0].vcpus).toBe(2);
      expect(faults.read).toBeGreaterThan(3_000);
      expect(writes === 0 ? faults.write === 0 : faults.write > writes).toBe(true);
      expect(taken).toBe(faults.read + faults.write);
    });

    it(`${mode}: the tracker's service takes thousands of faults, and tracking after both is unchanged`, () => {
      const before = dirtySets(mode, 'last');
      const faults = warmUpTrackerService(mode, 3);
      expect(faults.read).toBeGreaterThan(3_000);
      expect(writes === 0 ? faults.write === 0 : faults.write > writes).toBe(true);
      warmUpFaultPath(mode, 1, (vm) => directFaultMemory(mode, vm));
      expect(dirtySets(mode, 'last')).toEqual(before);
    });
  }
});
