import type { VmViews } from '../vm/vm-buffers.js';
import {
  CTRL_FAULTS_READ, CTRL_FAULTS_WRITE, FAULT_READ, FAULT_WRITE, SPT_D, SPT_PW, SPT_PWD, type FaultKind,
} from '../vm/layout.js';
import { TrackingError } from './logdirty.js';
import type { PredictorCounts, TrackedMode, TrackingPolicy } from './policy.js';

// D in each byte of a 32-bit word of shadow entries.
const D_IN_WORD = SPT_D * 0x01010101;

/**
 * Dirty-bit tracking, like EPT A/D bits: a page faults once, on its first touch, and
 * stays P|W; each checkpoint scans D over all of RAM (a word of four entries at a time)
 * and clears it. Cheap faults, but the scan follows RAM size.
 */
export class DirtyBitPolicy implements TrackingPolicy {
  readonly mode: TrackedMode = 'dbit';
  private readonly words: Uint32Array;
  private scratch: Uint32Array | null = null;

  constructor(protected readonly vm: VmViews) {
    this.words = new Uint32Array(vm.spt.buffer, 0, vm.pages >>> 2);
  }

  serviceFault(kind: FaultKind, pfn: number, vcpu: number): void {
    const { spt, ctrl } = this.vm;
    if (kind === FAULT_WRITE) {
      this.recordWriteFault(pfn);
      Atomics.or(spt, pfn, SPT_PWD);
      Atomics.add(ctrl, CTRL_FAULTS_WRITE, 1);
    } else if (kind === FAULT_READ) {
      Atomics.or(spt, pfn, SPT_PW);
      Atomics.add(ctrl, CTRL_FAULTS_READ, 1);
    } else {
      this.serviceOther(kind, pfn, vcpu);
    }
  }

  /** pml marks the bitmap here; dbit finds the page by its D bit at the scan. */
  protected recordWriteFault(_pfn: number): void {}

  protected serviceOther(kind: FaultKind, pfn: number, _vcpu: number): void {
    throw new TrackingError(`${this.mode}: unexpected fault kind ${kind} on page 0x${pfn.toString(16)}`);
  }

  start(): void {
    this.vm.spt.fill(0);
  }

  collectDirty(): Uint32Array {
    const scratch = this.harvestScratch();
    return scratch.slice(0, this.scanDirty(scratch));
  }

  /**
   * Take and clear D over every shadow entry, a word of four at a time, writing the dirty
   * pfns ascending into `out`; returns how many. Every vCPU is parked: plain clears,
   * ordered by the resume handshake.
   */
  private scanDirty(out: Uint32Array): number {
    const { spt, pages } = this.vm;
    const words = this.words;
    let n = 0;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      const d = w & D_IN_WORD;
      if (d === 0) continue;
      words[i] = w ^ d;
      const base = i << 2;
      if ((d & SPT_D) !== 0) out[n++] = base;
      if ((d & (SPT_D << 8)) !== 0) out[n++] = base + 1;
      if ((d & (SPT_D << 16)) !== 0) out[n++] = base + 2;
      if ((d & (SPT_D << 24)) !== 0) out[n++] = base + 3;
    }
    for (let p = words.length << 2; p < pages; p++) {
      if ((spt[p] & SPT_D) !== 0) {
        spt[p] &= ~SPT_D;
        out[n++] = p;
      }
    }
    return n;
  }

  /** One entry per page for the pause's collect, made on first use (the checkpointer's copy only). */
  protected harvestScratch(): Uint32Array {
    return (this.scratch ??= new Uint32Array(this.vm.pages));
  }

  resetForEpoch(_dirty: Uint32Array): void {
    // D was cleared by the scan; pages stay P|W.
  }

  predictorCounts(): PredictorCounts | null {
    return null;
  }
}
