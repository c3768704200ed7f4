import { describe, expect, it } from 'vitest';
import { CTRL_FAULTS_PML_FULL, FAULT_PML_FULL, FAULT_READ, FAULT_WRITE, PML_INDEX, PML_INDEX_EMPTY } from '../../../src/vm/layout.js';
import { harvestDirty } from '../../../src/tracking/dirty-bitmap.js';
import { allocateVm, attachVm } from '../../../src/vm/vm-buffers.js';
import { createFaultHandler, createPolicy } from '../../../src/tracking/modes.js';
import { WfpPolicy } from '../../../src/tracking/wfp.js';
import { TRACKED_MODES } from '../../../src/tracking/policy.js';

describe('createFaultHandler', () => {
  it('services faults exactly as the mode\'s full policy does', () => {
    for (const mode of TRACKED_MODES) {
      const a = attachVm(allocateVm(16, 1));
      const b = attachVm(allocateVm(16, 1));
      const full = createPolicy(mode, a, { predictor: 'history:8:1' });
      const handler = createFaultHandler(mode, b);
      full.start();
      createPolicy(mode, b, { predictor: 'last' }).start();
      for (const [kind, pfn] of [[FAULT_READ, 3], [FAULT_WRITE, 3], [FAULT_WRITE, 9], [FAULT_READ, 12]] as const) {
        full.serviceFault(kind, pfn, 0);
        handler.serviceFault(kind, pfn, 0);
      }
      expect([...b.spt], mode).toEqual([...a.spt]);
      expect([...b.bitmap], mode).toEqual([...a.bitmap]);
    }
  });

  it('wfp\'s handler carries no predictor (only the checkpointer predicts)', () => {
    const vm = attachVm(allocateVm(16, 1));
    expect(createFaultHandler('wfp', vm)).not.toBeInstanceOf(WfpPolicy);
    expect(createPolicy('wfp', vm, { predictor: 'last' })).toBeInstanceOf(WfpPolicy);
  });
});

describe('pml log-full exit', () => {
  it('marks exactly the logged pages, keeps the bits already set (same words too), resets the index, counts one exit', () => {
    const pages = 256;
    const vm = attachVm(allocateVm(pages, 2));
    const handler = createFaultHandler('pml', vm);
    createPolicy('pml', vm, { predictor: 'last' }).start();
    // Already dirty by write faults: pages sharing bitmap words with the logged ones.
    const before = [1, 33, 64, 255];
    for (const p of before) handler.serviceFault(FAULT_WRITE, p, 0);
    // vCPU 1's ring full: 512 entries (with repeats) over pages 0..199, index -1.
    const ring = vm.pml[1];
    const logged: number[] = [];
    for (let i = PML_INDEX_EMPTY; i >= 0; i--) {
      const p = (i * 37) % 200;
      ring[1 + i] = p;
      logged.push(p);
    }
    ring[PML_INDEX] = -1;
    vm.pml[0][PML_INDEX] = PML_INDEX_EMPTY - 1;
    vm.pml[0][1 + PML_INDEX_EMPTY] = 250;
    handler.serviceFault(FAULT_PML_FULL, 7, 1);
    const want = [...new Set([...before, ...logged])].sort((a, b) => a - b);
    expect(harvestDirty(vm.bitmap, pages)).toEqual(Uint32Array.from(want));
    expect(ring[PML_INDEX]).toBe(PML_INDEX_EMPTY);
    // Only the exiting vCPU's ring is drained; vCPU 0's entry waits for its own exit or the collect.
    expect(vm.pml[0][PML_INDEX]).toBe(PML_INDEX_EMPTY - 1);
    expect(vm.ctrl[CTRL_FAULTS_PML_FULL]).toBe(1);
  });
});
