import type { CompareRow } from '../metrics/compare-results.js';
import type { RunResults } from '../metrics/results.js';
import { NATIVE } from './configs.js';
import type { Job } from './jobs.js';

/** The key metrics of one run; `normalized` is filled per group by normalizeGroup. */
export function rowFromRun(job: Job, r: RunResults): CompareRow {
  const perEpoch = (n: number): number => (r.epochs > 0 ? round(n / r.epochs, 2) : 0);
  return {
    job: job.index,
    workload: job.workload,
    mode: job.config.name,
    trackingMode: job.config.mode,
    copy: job.config.copy,
    repeat: job.repeat,
    opsPerSec: r.throughput.opsPerSec,
    normalized: null,
    epochs: r.epochs,
    pauseP50Us: r.epochs > 0 ? r.pauseUs.p50 : 0,
    pauseP99Us: r.epochs > 0 ? r.pauseUs.p99 : 0,
    readFaultsPerEpoch: perEpoch(r.faults.read),
    writeFaultsPerEpoch: perEpoch(r.faults.write),
    dirtyPagesPerEpoch: r.epochs > 0 ? r.dirtyPages.perEpoch.mean : 0,
    verified: r.workload.verified,
    consistent: r.backup.consistent,
  };
}

/**
 * Throughput over native within one (repeat, workload) group, whose runs ran side by
 * side; without a native run (or with a native of 0 ops/s) there is nothing to divide by.
 */
export function normalizeGroup(rows: readonly CompareRow[]): CompareRow[] {
  const native = rows.find((r) => r.mode === NATIVE)?.opsPerSec;
  // Full precision: a heavy slowdown (1e-5 of native on a loaded box) must not round to 0.
  return rows.map((r) => ({ ...r, normalized: native ? r.opsPerSec / native : null }));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
