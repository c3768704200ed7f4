import type { VmViews } from '../vm/vm-buffers.js';
import { CTRL_FAULTS_PML_FULL, FAULT_PML_FULL, PML_INDEX, PML_INDEX_EMPTY, SPT_D, type FaultKind } from '../vm/layout.js';
import { DirtyBitPolicy } from './dbit.js';
import { harvestDirty, markDirty } from './dirty-bitmap.js';
import type { TrackedMode } from './policy.js';

/**
 * Page-modification logging (Intel PML): as dbit, but the vCPU that sets D appends the
 * page to its own 512-entry log at the PML index, which runs 511 down to 0; the log
 * attempted with the index out of range (the 513th dirty page since the last drain) is
 * the log-full exit, whose handler drains the log into the dirty bitmap. The checkpoint drains the rings instead of scanning RAM, so its
 * cost follows the dirty set.
 */
export class PmlPolicy extends DirtyBitPolicy {
  override readonly mode: TrackedMode = 'pml';

  constructor(vm: VmViews) {
    super(vm);
  }

  protected override recordWriteFault(pfn: number): void {
    // The fault sets D itself, so the page never reaches the ring: log it here.
    markDirty(this.vm.bitmap, pfn);
  }

  protected override serviceOther(kind: FaultKind, pfn: number, vcpu: number): void {
    if (kind !== FAULT_PML_FULL) super.serviceOther(kind, pfn, vcpu);
    // The exiting vCPU waits for our answer, so its ring is ours to drain.
    drainRing(this.vm.pml[vcpu], this.vm.bitmap);
    Atomics.add(this.vm.ctrl, CTRL_FAULTS_PML_FULL, 1);
  }

  override start(): void {
    super.start();
    for (const ring of this.vm.pml) ring[PML_INDEX] = PML_INDEX_EMPTY;
    this.vm.bitmap.fill(0);
  }

  override collectDirty(): Uint32Array {
    for (const ring of this.vm.pml) drainRing(ring, this.vm.bitmap);
    const dirty = harvestDirty(this.vm.bitmap, this.vm.pages, this.harvestScratch());
    const spt = this.vm.spt;
    for (let i = 0; i < dirty.length; i++) spt[dirty[i]] &= ~SPT_D;
    return dirty;
  }
}

/**
 * Mark every logged page (entries above the index) and reset the index to 511. Plain ORs,
 * not markDirty's Atomics.or (7 us against 1 us for a full ring here, most of a log-full
 * exit): every writer of pml's bitmap is a fault handler, which holds the fault lock, or
 * the collect, which runs while every vCPU is parked with no fault in flight; so no other
 * thread writes these words meanwhile, and the lock's (or the park's) Atomics order ours.
 */
export function drainRing(ring: Int32Array, bitmap: Uint32Array): void {
  for (let i = ring[PML_INDEX] + 1; i <= PML_INDEX_EMPTY; i++) {
    const pfn = ring[1 + i];
    bitmap[pfn >>> 5] |= 1 << (pfn & 31);
  }
  ring[PML_INDEX] = PML_INDEX_EMPTY;
}
