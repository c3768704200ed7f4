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
    const { spt, pages } = this.vm;
    const words = this.words;
    const out: number[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if ((w & D_IN_WORD) === 0) continue;
      // Every vCPU is parked: plain clears are ordered by the resume handshake.
      words[i] = w & ~D_IN_WORD;
      const base = i << 2;
      for (let b = 0; b < 4; b++) if (((w >>> (b * 8)) & SPT_D) !== 0) out.push(base + b);
    }
    for (let p = words.length << 2; p < pages; p++) {
      if ((spt[p] & SPT_D) !== 0) {
        spt[p] &= ~SPT_D;
        out.push(p);
      }
    }
    return Uint32Array.from(out);
  }

  resetForEpoch(_dirty: Uint32Array): void {
    // D was cleared by the scan; pages stay P|W.
  }

  predictorCounts(): PredictorCounts | null {
    return null;
  }
}
