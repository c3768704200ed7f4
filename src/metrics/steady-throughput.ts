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
  const last = log[log.length - 1];
  const first = log.find((e) => e.atMs >= durationMs / 2);
  if (last === undefined || first === undefined || first.ops === undefined || last.ops === undefined) return null;
  if (log.length - log.indexOf(first) < MIN_EPOCHS || last.atMs <= first.atMs) return null;
  return Math.round(((last.ops - first.ops) * 1000) / (last.atMs - first.atMs));
}
