import type { VmViews } from '../memory/vm-buffers.js';
import { LogDirtyPolicy } from './logdirty.js';
import type { PolicyOptions, TrackedMode, TrackingPolicy } from './policy.js';

const FACTORIES: Record<TrackedMode, (vm: VmViews, o: PolicyOptions) => TrackingPolicy> = {
  logdirty: (vm) => new LogDirtyPolicy(vm),
};

export function createPolicy(mode: TrackedMode, vm: VmViews, options: PolicyOptions): TrackingPolicy {
  return FACTORIES[mode](vm, options);
}
