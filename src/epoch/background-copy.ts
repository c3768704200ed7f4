import type { VmViews } from '../vm/vm-buffers.js';
import { CTRL_FAULTS_COW, FAULT_WRITE, PAGE_SIZE, SPT_W, WORDS_PER_PAGE, type FaultKind } from '../vm/layout.js';
import type { FaultHandler } from '../tracking/policy.js';

// A page's state in the background copy, one Int32 per guest page.
/** Copied, or not dirty last epoch: its entry is the mode's own. */
export const BG_IDLE = 0;
/** Dirty last epoch, not copied yet, write-protected; the mode left it read-only anyway. */
export const BG_PENDING = 1;
/** As BG_PENDING, but the mode had granted it W (wfp's prediction, dbit, pml): W comes back once copied. */
export const BG_PENDING_GRANT = 2;
/** One thread is copying it; the others wait (a page takes well under a microsecond). */
export const BG_COPYING = 3;

/** The shared per-page state word array of a VM's background copy. */
export function allocateBackgroundState(pages: number): SharedArrayBuffer {
  return new SharedArrayBuffer(pages * 4);
}

/** What each thread of a background-copying VM is given (workerData). */
export interface BackgroundCopyBuffers {
  readonly state: SharedArrayBuffer;
  /** The in-process backup's RAM (BackupLink.mirror). */
  readonly mirror: SharedArrayBuffer;
}

/**
 * `--copy-at background`, copy-before-write checkpoints (QEMU's background snapshot does
 * the same with userfaultfd write protection): the pause only collects the dirty set,
 * resets protection and write-protects every dirty page; the guest resumes and the
 * checkpointer copies those pages into the in-process backup's mirror while it runs. A
 * guest write to a page not yet copied faults, and the fault handler copies the page
 * first. So the backup gets each page as it was in the pause, and the pause no longer
 * grows with the dirty set. The same object runs in every thread that services faults
 * and in the checkpointer, over the same shared state.
 */
export class BackgroundCopy {
  private readonly state: Int32Array;
  private readonly mirror32: Uint32Array;

  constructor(private readonly vm: Pick<VmViews, 'spt' | 'ram32' | 'ctrl' | 'pages'>, { state, mirror }: BackgroundCopyBuffers) {
    if (state.byteLength !== vm.pages * 4) throw new RangeError(`background copy state of ${state.byteLength} bytes for ${vm.pages} pages`);
    if (mirror.byteLength !== vm.pages * PAGE_SIZE) throw new RangeError(`mirror of ${mirror.byteLength} bytes for ${vm.pages} guest pages`);
    this.state = new Int32Array(state);
    this.mirror32 = new Uint32Array(mirror);
  }

  /**
   * Checkpointer, in the pause, after the mode reset protection: write-protect the dirty
   * pages until each is copied. Every vCPU is parked: plain writes, ordered by the resume.
   */
  arm(pfns: Uint32Array): void {
    const { spt } = this.vm;
    const state = this.state;
    for (let i = 0; i < pfns.length; i++) {
      const p = pfns[i];
      const e = spt[p];
      if ((e & SPT_W) !== 0) {
        spt[p] = e & ~SPT_W;
        state[p] = BG_PENDING_GRANT;
      } else {
        state[p] = BG_PENDING;
      }
    }
  }

  /** Checkpointer, while the guest runs: copy every page of `pfns` no fault has copied; returns how many it copied. */
  drain(pfns: Uint32Array): number {
    const state = this.state;
    let copied = 0;
    for (let i = 0; i < pfns.length; i++) {
      const p = pfns[i];
      const s = Atomics.load(state, p);
      if ((s === BG_PENDING || s === BG_PENDING_GRANT) && Atomics.compareExchange(state, p, s, BG_COPYING) === s) {
        this.copyAndRelease(p, s);
        copied++;
        continue;
      }
      // Copied already, or a fault handler is copying it: the epoch is whole only after that copy.
      while (Atomics.load(state, p) === BG_COPYING);
    }
    return copied;
  }

  /**
   * A fault handler, before a write fault: copy the page first if it is still pending
   * (or wait for whoever is). True when the write may go ahead with no tracking fault:
   * the page's W is back (restored by its copy, or already there).
   */
  beforeWrite(pfn: number): boolean {
    const state = this.state;
    const s = Atomics.load(state, pfn);
    if (s !== BG_IDLE) {
      if (s !== BG_COPYING && Atomics.compareExchange(state, pfn, s, BG_COPYING) === s) this.copyAndRelease(pfn, s);
      else while (Atomics.load(state, pfn) !== BG_IDLE);
      Atomics.add(this.vm.ctrl, CTRL_FAULTS_COW, 1);
    }
    return (Atomics.load(this.vm.spt, pfn) & SPT_W) !== 0;
  }

  private copyAndRelease(pfn: number, was: number): void {
    const o = pfn * WORDS_PER_PAGE;
    this.mirror32.set(this.vm.ram32.subarray(o, o + WORDS_PER_PAGE), o);
    // W back before IDLE: a handler that waited for IDLE then finds the grant.
    if (was === BG_PENDING_GRANT) Atomics.or(this.vm.spt, pfn, SPT_W);
    Atomics.store(this.state, pfn, BG_IDLE);
  }
}

/** The mode's fault handler, behind the background copy: a write fault copies its page first. */
export class CopyBeforeWrite implements FaultHandler {
  constructor(private readonly inner: FaultHandler, private readonly background: BackgroundCopy) {}

  serviceFault(kind: FaultKind, pfn: number, vcpu: number): void {
    if (kind === FAULT_WRITE && this.background.beforeWrite(pfn)) return;
    this.inner.serviceFault(kind, pfn, vcpu);
  }
}

/** A fault-servicing thread's handler: the mode's own, behind the background copy when there is one. */
export function faultHandlerFor(inner: FaultHandler, vm: VmViews, background: BackgroundCopyBuffers | undefined): FaultHandler {
  return background === undefined ? inner : new CopyBeforeWrite(inner, new BackgroundCopy(vm, background));
}
