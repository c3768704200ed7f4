import type { VmViews } from '../vm/vm-buffers.js';
import {
  CTRL_FAULTS_READ, CTRL_FAULTS_WRITE, FAULT_READ, FAULT_WRITE, SPT_P, SPT_PWD, type FaultKind,
} from '../vm/layout.js';
import { harvestDirty, markDirty } from './dirty-bitmap.js';
import type { PredictorCounts, TrackedMode, TrackingPolicy } from './policy.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

/**
 * The baseline: Remus on Xen's shadow log-dirty mode. Every shadow entry is dropped at
 * each epoch start, so the first read of a page in an epoch faults, and so does the
 * first write.
 */
export class LogDirtyPolicy implements TrackingPolicy {
  readonly mode: TrackedMode = 'logdirty';
  // The checkpointer's harvest buffer, one entry per page: made on the first collect,
  // so the fault-servicing threads' copies of the policy never hold one.
  private scratch: Uint32Array | null = null;

  constructor(protected readonly vm: VmViews) {}

  serviceFault(kind: FaultKind, pfn: number, _vcpu: number): void {
    const { spt, ctrl } = this.vm;
    if (kind === FAULT_WRITE) {
      // Dirty bitmap first: once the entry is writable the page may change at any time.
      markDirty(this.vm.bitmap, pfn);
      Atomics.or(spt, pfn, SPT_PWD);
      Atomics.add(ctrl, CTRL_FAULTS_WRITE, 1);
    } else if (kind === FAULT_READ) {
      // OR, never store: another vCPU's write fault may have made the entry writable.
      Atomics.or(spt, pfn, SPT_P);
      Atomics.add(ctrl, CTRL_FAULTS_READ, 1);
    } else {
      throw new TrackingError(`logdirty: unexpected fault kind ${kind} on page 0x${pfn.toString(16)}`);
    }
  }

  start(): void {
    this.dropAll();
  }

  collectDirty(): Uint32Array {
    return harvestDirty(this.vm.bitmap, this.vm.pages, this.harvestScratch());
  }

  /** A buffer of one entry per page for the pause's harvest, reused every epoch. */
  protected harvestScratch(): Uint32Array {
    return (this.scratch ??= new Uint32Array(this.vm.pages));
  }

  resetForEpoch(_dirty: Uint32Array): void {
    this.dropAll();
  }

  predictorCounts(): PredictorCounts | null {
    return null;
  }

  private dropAll(): void {
    // Every vCPU is parked: plain bulk writes, ordered by the resume handshake.
    this.vm.spt.fill(0);
  }
}

export class TrackingError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('TRACKING', message, options);
  }
}
