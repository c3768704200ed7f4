import type { VmViews } from '../vm/vm-buffers.js';
import { DirtyBitPolicy } from './dbit.js';
import { LogDirtyPolicy } from './logdirty.js';
import { PmlPolicy } from './pml.js';
import type { PolicyOptions, TrackedMode, TrackingPolicy } from './policy.js';
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
