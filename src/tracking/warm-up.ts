import { TrackedMemory } from '../vm/access.js';
import {
  CTRL_FAULTS_READ, CTRL_FAULTS_WRITE, CTRL_TRACKER_AWAKE, FAULT_READ, FAULT_WRITE, PAGE_SIZE, SPT_P, SPT_W,
  VCPU_MBOX_KIND, VCPU_MBOX_PFN, VCPU_MBOX_REQ, vcpuWord, type FaultKind,
} from '../vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../vm/vm-buffers.js';
import { createFaultHandler, createPolicy } from './modes.js';
import { usesPmlRing, type TrackedMode, type TrackingPolicy } from './policy.js';
import { serviceMailbox } from './tracker-loop.js';

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

/** Boots of the scratch VM, and epochs after each: some 3,000-6,000 read and 1,500-3,000 write faults. */
const FAULT_BOOTS = 3;
const FAULT_EPOCHS = 2;

/**
 * Take read and write faults through a vCPU's own fault path (`accessPath`, built over
 * a scratch VM with the run's vCPU count, as for the run) before the guest starts. A
 * run's first touches come in its first epochs, and without this they ran a cold fault
 * path: hotcold's first 4,000 faults cost about 3 µs each, against 0.2-0.3 µs once
 * compiled. The scratch VM is booted afresh (every entry dropped) a few times, so every
 * mode takes first touches, not only logdirty. The run's VM is not touched.
 */
export function warmUpFaultPath(mode: TrackedMode, vcpus: number, accessPath: (vm: VmViews) => TrackedMemory): ScratchFaults {
  const vm = attachVm(allocateVm(PAGES, vcpus));
  for (let boot = 0; boot < FAULT_BOOTS; boot++) {
    const policy = bootScratch(vm, mode);
    // The last boot with the tracker marked up, as while the guest runs: a mailbox port
    // then spins for an answer that no tracker gives here, and takes each fault back.
    Atomics.store(vm.ctrl, CTRL_TRACKER_AWAKE, boot === FAULT_BOOTS - 1 ? 1 : 0);
    const mem = accessPath(vm);
    for (let e = 0; e < FAULT_EPOCHS; e++) {
      for (let pfn = e & 1; pfn < PAGES; pfn++) mem.touchRead(pfn);
      for (let pfn = boot % 2; pfn < PAGES; pfn += 2) mem.touchWrite(pfn);
      policy.resetForEpoch(policy.collectDirty());
    }
  }
  return scratchFaults(vm);
}

/** The faults a warm-up's handlers counted on its scratch VM. */
export interface ScratchFaults {
  readonly read: number;
  readonly write: number;
}

function scratchFaults(vm: VmViews): ScratchFaults {
  return { read: Atomics.load(vm.ctrl, CTRL_FAULTS_READ), write: Atomics.load(vm.ctrl, CTRL_FAULTS_WRITE) };
}

/** A fresh policy on the scratch VM: its start drops every shadow entry, as after epoch 0's full copy. */
function bootScratch(vm: VmViews, mode: TrackedMode): TrackingPolicy {
  const policy = createPolicy(mode, vm, { predictor: 'last' });
  policy.start();
  return policy;
}

/**
 * The tracker's side of the same: answer faults posted in a scratch VM's mailboxes with
 * the tracker's own handler and claim, for a few epochs, before the guest starts.
 */
export function warmUpTrackerService(mode: TrackedMode, vcpus: number): ScratchFaults {
  const vm = attachVm(allocateVm(PAGES, vcpus));
  const { ctrl, spt } = vm;
  for (let boot = 0; boot < FAULT_BOOTS; boot++) {
    const policy = bootScratch(vm, mode);
    const handler = createFaultHandler(mode, vm);
    const post = (v: number, kind: FaultKind, pfn: number) => {
      ctrl[vcpuWord(v, VCPU_MBOX_PFN)] = pfn;
      ctrl[vcpuWord(v, VCPU_MBOX_KIND)] = kind;
      serviceMailbox(ctrl, v, Atomics.add(ctrl, vcpuWord(v, VCPU_MBOX_REQ), 1) + 1, handler);
    };
    for (let e = 0; e < FAULT_EPOCHS; e++) {
      for (let pfn = e & 1; pfn < PAGES; pfn++) {
        // The faults the access path would take for a load, then a store to every other page.
        const v = pfn % vcpus;
        if ((spt[pfn] & SPT_P) === 0) post(v, FAULT_READ, pfn);
        if ((pfn & 1) === boot % 2 && (spt[pfn] & SPT_W) === 0) post(v, FAULT_WRITE, pfn);
      }
      policy.resetForEpoch(policy.collectDirty());
    }
  }
  return scratchFaults(vm);
}
