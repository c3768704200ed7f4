import type { VmViews } from '../vm/vm-buffers.js';
import { DirtyBitPolicy } from './dbit.js';
import { LogDirtyPolicy } from './logdirty.js';
import { PmlPolicy } from './pml.js';
import type { FaultHandler, PolicyOptions, TrackedMode, TrackingPolicy } from './policy.js';
import { RfrPolicy } from './rfr.js';
import { WfpPolicy } from './wfp.js';

const FACTORIES: Record<TrackedMode, (vm: VmViews, o: PolicyOptions) => TrackingPolicy> = {
  logdirty: (vm) => new LogDirtyPolicy(vm),
  rfr: (vm) => new RfrPolicy(vm),
  wfp: (vm, o) => new WfpPolicy(vm, o.predictor),
  dbit: (vm) => new DirtyBitPolicy(vm),
  pml: (vm) => new PmlPolicy(vm),
};

export function createPolicy(mode: TrackedMode, vm: VmViews, options: PolicyOptions): TrackingPolicy {
  return FACTORIES[mode](vm, options);
}

/**
 * The fault handler alone, for the threads that only service faults (the tracker, a
 * vCPU on the inline path or taking a fault back). wfp services faults exactly as rfr
 * (its predicted pages take none), so its handler carries no predictor: only the
 * checkpointer's policy predicts.
 */
export function createFaultHandler(mode: TrackedMode, vm: VmViews): FaultHandler {
  return mode === 'wfp' ? new RfrPolicy(vm) : FACTORIES[mode](vm, { predictor: 'last' });
}
