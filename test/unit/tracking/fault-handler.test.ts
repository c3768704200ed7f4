import { describe, expect, it } from 'vitest';
import { FAULT_READ, FAULT_WRITE } from '../../../src/vm/layout.js';
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
