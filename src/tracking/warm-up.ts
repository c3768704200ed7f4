import { TrackedMemory } from '../vm/access.js';
import { PAGE_SIZE } from '../vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../vm/vm-buffers.js';
import { createFaultHandler, createPolicy } from './modes.js';
import { usesPmlRing, type TrackedMode } from './policy.js';

const PAGES = 1024;
/** More than twice the longest history window (16), so epochs leaving it are seen too. */
const EPOCHS = 40;

/**
 * Run a mode's pause code, collect and reset, over a small scratch VM of its own for a
 * few dozen epochs, on the thread that will checkpoint: every path is then taken once
 * (first touches, a full history window, pages joining and leaving the prediction) and
 * V8 has its type feedback before the guest starts. A hypervisor's tracking code is
 * compiled ahead of time; here, without the warm-up, the first epoch to take a new path
 * paid for a deoptimization and a few milliseconds in the interpreter inside its pause
 * (hotcold at 256 MiB: 6-8 ms in the pause where the history window first filled). The
 * run's own VM, counters and results are not touched.
 */
export function warmUpTracking(mode: TrackedMode, predictor: string): void {
  const vm = attachVm(allocateVm(PAGES, 1));
  const policy = createPolicy(mode, vm, { predictor });
  const mem = directFaultMemory(mode, vm);
  policy.start();
  let s = 1;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let e = 0; e < EPOCHS; e++) {
    // A hot set written every epoch, cold pages at random, and reads.
    for (let i = 0; i < 64; i++) mem.store32(i * 5 * PAGE_SIZE, e);
    for (let i = 0; i < 256; i++) mem.store32(Math.floor(random() * PAGES) * PAGE_SIZE, e);
    for (let i = 0; i < 256; i++) mem.load32(Math.floor(random() * PAGES) * PAGE_SIZE);
    policy.resetForEpoch(policy.collectDirty());
    policy.predictorCounts();
  }
}

/** vCPU 0's access path with each fault serviced at once by a direct call, in this thread (no tracker). */
export function directFaultMemory(mode: TrackedMode, vm: VmViews): TrackedMemory {
  const handler = createFaultHandler(mode, vm);
  return new TrackedMemory(vm, { fault: (kind, pfn) => handler.serviceFault(kind, pfn, 0) }, usesPmlRing(mode) ? vm.pml[0] : null);
}
