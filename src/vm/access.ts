import type { GuestMemory } from './guest-memory.js';
import type { VmViews } from './vm-buffers.js';
import {
  FAULT_PML_FULL, FAULT_READ, FAULT_WRITE, PML_INDEX, SPT_D, SPT_P, SPT_PWD, SPT_W,
  type FaultKind,
} from './layout.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

/**
 * The access path's constants as literals (a const enum is inlined by tsc): an imported
 * binding is a module cell, which TurboFan reloads and checks for the hole on every use,
 * inside the guest's loop. test/unit/vm/access.test.ts holds them equal to layout.ts.
 */
export const enum Hot {
  Shift = 12,
  P = 1,
  D = 4,
  PW = 3,
  PWD = 7,
}

/** Where a vCPU's faults go: the tracker's mailbox in threads, a direct call in tests. */
export interface FaultPort {
  /** Returns once the tracker has serviced the fault (the entry may still need a retry). */
  fault(kind: FaultKind, pfn: number): void;
}

/**
 * The tracked access path (docs/design.md, Access path): one mask compare on the shadow entry, then a
 * plain typed-array access; everything else is in the cold `*Slow` methods.
 */
export class TrackedMemory implements GuestMemory {
  readonly bytes: number;
  private readonly spt: Uint8Array;
  private readonly ram8: Uint8Array;
  private readonly ram32: Uint32Array;
  private readonly ramF64: Float64Array;
  private readonly pml: Int32Array | null;
  // The slow paths, called through a Proxy, which TurboFan never inlines: inlined, they
  // joined the guest's loop in some runs and not others (seqwrite at 32 MiB ran 110-117 or
  // 157-190 M ops/s from run to run, whatever the mode). Setting D on a writable page is
  // not an exit and stays in line (beforeStore): through the Proxy it cost gups under
  // --opt all a quarter of its speed.
  private readonly loadMiss: (pfn: number) => void;
  private readonly storeMiss: (pfn: number) => void;

  constructor(vm: VmViews, private readonly port: FaultPort, pmlRing: Int32Array | null = null) {
    this.loadMiss = new Proxy((pfn: number) => this.loadSlow(pfn), {});
    this.storeMiss = new Proxy((pfn: number) => this.storeSlow(pfn), {});
    this.bytes = vm.ram8.length;
    this.spt = vm.spt;
    this.ram8 = vm.ram8;
    this.ram32 = vm.ram32;
    this.ramF64 = vm.ramF64;
    this.pml = pmlRing;
  }

  load8(addr: number): number {
    const pfn = addr >>> Hot.Shift;
    if ((this.spt[pfn] & Hot.P) === 0) this.loadMiss(pfn);
    return this.ram8[addr];
  }

  store8(addr: number, value: number): void {
    const pfn = addr >>> Hot.Shift;
    if ((this.spt[pfn] & Hot.PWD) !== Hot.PWD) this.beforeStore(pfn);
    this.ram8[addr] = value;
  }

  load32(addr: number): number {
    const pfn = addr >>> Hot.Shift;
    if ((this.spt[pfn] & Hot.P) === 0) this.loadMiss(pfn);
    return this.ram32[addr >>> 2];
  }

  store32(addr: number, value: number): void {
    const pfn = addr >>> Hot.Shift;
    if ((this.spt[pfn] & Hot.PWD) !== Hot.PWD) this.beforeStore(pfn);
    this.ram32[addr >>> 2] = value;
  }

  loadF64(addr: number): number {
    const pfn = addr >>> Hot.Shift;
    if ((this.spt[pfn] & Hot.P) === 0) this.loadMiss(pfn);
    return this.ramF64[addr >>> 3];
  }

  storeF64(addr: number, value: number): void {
    const pfn = addr >>> Hot.Shift;
    if ((this.spt[pfn] & Hot.PWD) !== Hot.PWD) this.beforeStore(pfn);
    this.ramF64[addr >>> 3] = value;
  }

  touchRead(pfn: number): void {
    if ((this.spt[pfn] & Hot.P) === 0) this.loadMiss(pfn);
  }

  touchWrite(pfn: number): void {
    if ((this.spt[pfn] & Hot.PWD) !== Hot.PWD) this.beforeStore(pfn);
  }

  /**
   * A store to a page whose entry lacks P, W or D. Writable but clean (dbit, wfp's
   * predicted pages): set D here, as hardware would, without an exit; the rest (a fault,
   * pml's logging) out of line.
   */
  private beforeStore(pfn: number): void {
    // A plain read is enough: while vCPUs run, entries only gain bits (faults install with
    // Atomics.or); permissions are taken away only in a pause, with every vCPU parked.
    if (this.pml === null && (this.spt[pfn] & Hot.PW) === Hot.PW) Atomics.or(this.spt, pfn, Hot.D);
    else this.storeMiss(pfn);
  }

  private loadSlow(pfn: number): void {
    this.checkPfn(pfn);
    // The tracker may have been answered for another vCPU's fault meanwhile: re-check.
    while ((Atomics.load(this.spt, pfn) & SPT_P) === 0) this.port.fault(FAULT_READ, pfn);
  }

  private storeSlow(pfn: number): void {
    this.checkPfn(pfn);
    for (;;) {
      const e = Atomics.load(this.spt, pfn);
      if ((e & SPT_PWD) === SPT_PWD) return;
      if ((e & SPT_W) !== 0) {
        // PML: a log with the index out of range is the log-full exit, taken before D is
        // set (Intel SDM); the handler drains the ring and the store retries.
        if (this.pml !== null && this.pml[PML_INDEX] < 0) {
          this.port.fault(FAULT_PML_FULL, pfn);
          continue;
        }
        // Writable but clean: set D like hardware would, no exit. Only the vCPU that
        // flips D logs the page, so a page is logged once per epoch (pml mode).
        const before = Atomics.or(this.spt, pfn, SPT_D);
        if ((before & SPT_D) === 0 && this.pml !== null) this.logDirty(pfn);
        return;
      }
      this.port.fault(FAULT_WRITE, pfn);
    }
  }

  /** Log at the PML index, then decrement it (511 down to 0; -1 once 512 are logged). */
  private logDirty(pfn: number): void {
    const ring = this.pml!;
    const index = ring[PML_INDEX];
    ring[1 + index] = pfn;
    ring[PML_INDEX] = index - 1;
  }

  private checkPfn(pfn: number): void {
    if (pfn >= this.spt.length) {
      throw new GuestAccessError(`guest access to page 0x${pfn.toString(16)} beyond guest RAM (${this.spt.length} pages)`);
    }
  }
}

/** native mode: no shadow entries, no faults: the upper bound every mode is held to. */
export class UntrackedMemory implements GuestMemory {
  readonly bytes: number;
  private readonly ram8: Uint8Array;
  private readonly ram32: Uint32Array;
  private readonly ramF64: Float64Array;

  constructor(vm: Pick<VmViews, 'ram8' | 'ram32' | 'ramF64'>) {
    this.bytes = vm.ram8.length;
    this.ram8 = vm.ram8;
    this.ram32 = vm.ram32;
    this.ramF64 = vm.ramF64;
  }

  load8(addr: number): number { return this.ram8[addr]; }
  store8(addr: number, value: number): void { this.ram8[addr] = value; }
  load32(addr: number): number { return this.ram32[addr >>> 2]; }
  store32(addr: number, value: number): void { this.ram32[addr >>> 2] = value; }
  loadF64(addr: number): number { return this.ramF64[addr >>> 3]; }
  storeF64(addr: number, value: number): void { this.ramF64[addr >>> 3] = value; }
  touchRead(_pfn: number): void {}
  touchWrite(_pfn: number): void {}
}

export class GuestAccessError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('GUEST_ACCESS', message, options);
  }
}
