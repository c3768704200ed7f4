import type { EpochRecord } from './results.js';

/** Fewer checkpoints than this in the second half of a run give no steady figure. */
const MIN_EPOCHS = 4;

/**
 * Throughput past the warm-up: from the first checkpoint at or past half the run to the
 * last one. A run's first epochs pay for first touches (every page faults in once) and a
 * predictor's empty history, the same in every repetition, so short runs rank modes by
 * their warm-up; this figure ranks them by their steady state. Ops per second, or null.
 */
export function steadyOpsPerSec(log: readonly EpochRecord[], durationMs: number): number | null {
  const at = log.findIndex((e) => e.atMs >= durationMs / 2);
  if (at < 0 || log.length - at < MIN_EPOCHS) return null;
  const first = log[at]!, last = log[log.length - 1]!;
  if (first.ops === undefined || last.ops === undefined || last.atMs <= first.atMs) return null;
  return Math.round(((last.ops - first.ops) * 1000) / (last.atMs - first.atMs));
}
