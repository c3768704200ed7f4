/**
 * What one checkpoint hands to the backup: the pages dirtied in the epoch (every page
 * in epoch 0) and each vCPU's context, copied while the vCPUs were parked. The backup
 * applies it whole or not at all.
 */
export interface EpochImage {
  /** 0 is the initial full copy; later epochs carry only dirty pages. */
  readonly epoch: number;
  /** Guest page count of the VM, so a receiver can check pfn ranges. */
  readonly guestPages: number;
  /** Ascending, each pfn once. */
  readonly pfns: Uint32Array;
  /**
   * pfns.length pages of PAGE_SIZE bytes, in pfn order. In epoch 0 this is a view of
   * guest RAM itself (every page, in order), valid only until the receiver clears
   * CTRL_INITIAL_HOLD: the vCPUs stay parked until then, so it cannot change.
   * Empty when `mirrored`.
   */
  readonly pages: Uint8Array;
  /**
   * True: the pages were copied in the pause straight into the in-process backup's
   * image (its mirror of guest RAM), so only the pfns and contexts travel.
   */
  readonly mirrored?: boolean;
  /** One CTX_SLOTS Float64Array per vCPU, in vCPU order. */
  readonly contexts: readonly Float64Array[];
  /** True for the last epoch of a finished workload. */
  readonly final: boolean;
  /**
   * With --verify: a checksum of every guest page of the primary as it was while paused
   * (Uint32Array of guestPages words), so the backup can prove its image equal.
   */
  readonly verifySums?: Uint32Array;
  /**
   * With --verify and `mirrored`: the mirror's page checksums, taken in the same pause
   * (a later pause may already be writing the mirror when main reads this epoch).
   */
  readonly mirrorSums?: Uint32Array;
}
