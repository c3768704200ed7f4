import type { VmViews } from '../memory/vm-buffers.js';
import { CTRL_FAULTS_PML_FULL, FAULT_PML_FULL, PML_HEAD, SPT_D, type FaultKind } from '../memory/layout.js';
import { DirtyBitPolicy } from './dbit.js';
import { harvestDirty, markDirty } from './dirty-bitmap.js';
import type { TrackedMode } from './policy.js';

/**
 * Page-modification logging (Intel PML): as dbit, but the vCPU that sets D appends the
 * page to its own 512-entry ring; a full ring is an exit to the tracker, which drains it
 * into the dirty bitmap. The checkpoint drains the rings instead of scanning RAM, so its
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
    for (const ring of this.vm.pml) ring[PML_HEAD] = 0;
    this.vm.bitmap.fill(0);
  }

  override collectDirty(): Uint32Array {
    for (const ring of this.vm.pml) drainRing(ring, this.vm.bitmap);
    const dirty = harvestDirty(this.vm.bitmap, this.vm.pages);
    const spt = this.vm.spt;
    for (let i = 0; i < dirty.length; i++) spt[dirty[i]] &= ~SPT_D;
    return dirty;
  }
}

function drainRing(ring: Int32Array, bitmap: Uint32Array): void {
  const n = ring[PML_HEAD];
  for (let i = 1; i <= n; i++) markDirty(bitmap, ring[i]);
  ring[PML_HEAD] = 0;
}
