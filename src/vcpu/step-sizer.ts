/** The smallest step: below this the pause-flag check would cost more than it saves. */
export const MIN_STEP_OPS = 16;
/** A step should end within about this long, so a pause request is seen quickly. */
export const STEP_TARGET_US = 50;

/**
 * Adaptive step size. A vCPU only parks at step boundaries, so a step full of faults
 * (the first touches after a logdirty reset) would hold up a pause for its whole
 * length. Steps halve while they run longer than the target and double back up to
 * the configured size while they run well under it. Step size never changes what a
 * run computes: deterministic epochs end on the operation quota, not on steps.
 */
export class StepSizer {
  size: number;

  constructor(private readonly max: number, private readonly targetUs = STEP_TARGET_US) {
    this.size = max;
  }

  /** Record how long the last step of `this.size` operations took. */
  took(us: number): void {
    if (us > this.targetUs) {
      if (this.size > MIN_STEP_OPS) this.size = Math.max(MIN_STEP_OPS, this.size >>> 1);
    } else if (us * 4 < this.targetUs && this.size < this.max) {
      this.size = Math.min(this.max, this.size * 2);
    }
  }
}
