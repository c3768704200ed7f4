import type { VmViews } from '../vm/vm-buffers.js';
import {
  CTRL_FAULTS_COW, CTRL_FAULTS_PML_FULL, CTRL_FAULTS_READ, CTRL_FAULTS_WRITE, CTX_OPS_DONE, PAGE_SIZE,
} from '../vm/layout.js';
import type { PredictorCounts, TrackingPolicy } from '../tracking/policy.js';
import type { BackgroundCopy } from './background-copy.js';
import type { CopyEngine } from './copy-engine.js';
import type { EpochImage } from './epoch-image.js';
import { imageChecksums } from './page-checksum.js';
import { StagingPool } from './staging-pool.js';

export interface CheckpointCounts {
  dirtyPages: number;
  faultsRead: number;
  faultsWrite: number;
  faultsPmlFull: number;
  /** --copy-at background: write faults that copied (or waited for) their page before it was written */
  faultsCow: number;
  /** The copy in the pause, µs (with --copy-at background: only the contexts). */
  copyUs: number;
  /** --copy-at background: the copy after the resume, while the guest ran, µs (0 otherwise). */
  backgroundCopyUs: number;
  /** The tracking part of the pause: collecting the dirty set and resetting protection, µs. */
  trackUs: number;
  /** Guest operations completed by this checkpoint, all vCPUs (their contexts' program counters). */
  opsDone: number;
  /** wfp only: how this epoch's prediction fared */
  predictor: PredictorCounts | null;
}

export type Clock = () => number;

/**
 * Steps 3-5 of each epoch (docs/design.md, Epoch protocol), run while every vCPU is parked: collect the dirty
 * set, reset protection, copy dirty pages and contexts into a staging area (or the
 * in-process backup's mirror of guest RAM). Pausing and resuming are the caller's (see
 * pause.ts), so tests can drive this without threads. With a background copy the pause
 * copies no page: it write-protects the dirty set, and the caller runs finishBackground
 * once the guest has resumed.
 */
export class Checkpointer {
  private readonly allPages: Uint32Array;
  private readonly mirror32: Uint32Array | null;
  /** The dirty set the background copy still owes the mirror (null when none). */
  private deferredPfns: Uint32Array | null = null;

  /** `mirror`: the in-process backup's RAM; the pause copies each dirty page to its own pfn there, and nothing is staged. */
  constructor(
    private readonly vm: VmViews,
    private readonly policy: TrackingPolicy,
    private readonly engine: CopyEngine,
    private readonly verify: boolean,
    private readonly now: Clock,
    private readonly staging: StagingPool = new StagingPool(),
    private readonly mirror: Uint8Array | null = null,
    private readonly background: BackgroundCopy | null = null,
  ) {
    if (mirror !== null && mirror.byteLength !== vm.pages * PAGE_SIZE) {
      throw new RangeError(`mirror of ${mirror.byteLength} bytes for ${vm.pages} guest pages`);
    }
    if (background !== null && mirror === null) throw new RangeError('a background copy needs the in-process mirror');
    this.allPages = Uint32Array.from({ length: vm.pages }, (_, i) => i);
    this.mirror32 = mirror === null ? null : new Uint32Array(mirror.buffer, mirror.byteOffset, mirror.byteLength >>> 2);
  }

  /**
   * Epoch 0: every page, then protection for epoch 1. Not copied (without a mirror): the
   * image's pages are guest RAM itself, which the caller must keep still until the
   * backup has taken it.
   */
  initial(): { image: EpochImage; counts: CheckpointCounts } {
    const out = this.capture(0, this.allPages, false, null, 'in-place');
    this.policy.start();
    this.takeFaultCounts();
    return out;
  }

  checkpoint(epoch: number, final: boolean): { image: EpochImage; counts: CheckpointCounts } {
    if (this.deferredPfns !== null) throw new RangeError(`epoch ${epoch}: the last background copy is unfinished`);
    const t0 = this.now();
    const dirty = this.policy.collectDirty();
    const predictor = this.policy.predictorCounts();
    // Reset before the copy, not after: the copy leaves no protection state in the caches.
    if (!final) this.policy.resetForEpoch(dirty);
    const trackUs = (this.now() - t0) * 1000;
    // The final epoch has no guest to run beside its copy: copied in the pause.
    const deferred = this.background !== null && !final;
    const out = this.capture(epoch, dirty, final, predictor, deferred ? 'background' : 'now');
    out.counts.trackUs = trackUs;
    if (deferred) {
      this.background!.arm(dirty);
      this.deferredPfns = dirty;
    }
    return out;
  }

  /** True while the last checkpoint's pages wait for finishBackground. */
  get copyPending(): boolean {
    return this.deferredPfns !== null;
  }

  /**
   * With a background copy, after the resume: copy the pages no write fault has copied
   * yet; the image is complete, and may go to the backup, only when this returns.
   */
  finishBackground(out: { image: EpochImage; counts: CheckpointCounts }): { image: EpochImage; counts: CheckpointCounts } {
    const t0 = this.now();
    this.background!.drain(this.deferredPfns!);
    this.deferredPfns = null;
    const backgroundCopyUs = (this.now() - t0) * 1000;
    const mirrorSums = this.verify ? imageChecksums(this.mirror32!, this.vm.pages) : undefined;
    return { image: { ...out.image, mirrorSums }, counts: { ...out.counts, backgroundCopyUs } };
  }

  /**
   * `copy`: `now` into the mirror or a staging buffer; `background` left to
   * finishBackground; `in-place` (epoch 0) into the mirror if there is one, else the
   * image's pages are guest RAM itself.
   */
  private capture(
    epoch: number, pfns: Uint32Array, final: boolean, predictor: PredictorCounts | null, copy: 'now' | 'background' | 'in-place',
  ): { image: EpochImage; counts: CheckpointCounts } {
    const t0 = this.now();
    let pages: Uint8Array;
    if (copy === 'background') {
      pages = new Uint8Array(0);
    } else if (this.mirror !== null) {
      this.engine.copy(pfns, this.mirror, 'mirror');
      pages = new Uint8Array(0);
    } else if (copy === 'in-place') {
      pages = this.vm.ram8;
    } else {
      pages = this.staging.take(pfns.length * PAGE_SIZE);
      this.engine.copy(pfns, pages);
    }
    const contexts = this.vm.contexts.map((c) => Float64Array.from(c));
    let opsDone = 0;
    for (const c of contexts) opsDone += c[CTX_OPS_DONE];
    const copyUs = (this.now() - t0) * 1000;
    const verifySums = this.verify ? imageChecksums(this.vm.ram32, this.vm.pages) : undefined;
    const mirrored = this.mirror32 !== null;
    const mirrorSums = this.verify && this.mirror32 !== null && copy !== 'background' ? imageChecksums(this.mirror32, this.vm.pages) : undefined;
    const faults = this.takeFaultCounts();
    return {
      image: { epoch, guestPages: this.vm.pages, pfns, pages, contexts, final, verifySums, ...(mirrored ? { mirrored, mirrorSums } : {}) },
      counts: { dirtyPages: pfns.length, copyUs, backgroundCopyUs: 0, trackUs: 0, opsDone, predictor, ...faults },
    };
  }

  /** The tracker's per-epoch counters; it is idle while vCPUs are parked. */
  private takeFaultCounts(): Pick<CheckpointCounts, 'faultsRead' | 'faultsWrite' | 'faultsPmlFull' | 'faultsCow'> {
    const ctrl = this.vm.ctrl;
    return {
      faultsRead: Atomics.exchange(ctrl, CTRL_FAULTS_READ, 0),
      faultsWrite: Atomics.exchange(ctrl, CTRL_FAULTS_WRITE, 0),
      faultsPmlFull: Atomics.exchange(ctrl, CTRL_FAULTS_PML_FULL, 0),
      faultsCow: Atomics.exchange(ctrl, CTRL_FAULTS_COW, 0),
    };
  }
}
