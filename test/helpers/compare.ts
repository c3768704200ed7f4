import type { CompareResults, CompareRow, CompareShard, CompareSweep } from '../../src/metrics/compare-results.js';
import { buildJobs, shardJobs } from '../../src/compare/jobs.js';

/** A small sweep; fields override. */
export function sweepOf(over: Partial<CompareSweep> = {}): CompareSweep {
  return {
    workloads: ['seqwrite', 'gups', 'kv'],
    configs: ['native', 'logdirty', 'rfr'].map((m) => ({ name: m, mode: m, copy: 'per-page' })),
    repeat: 2, epochMs: 25, durationMs: 1000, memBytes: 64 << 20, vcpus: 1, seed: 1,
    ...over,
  };
}

/** A hand-made row: only what a test sets matters. */
export function rowOf(over: Partial<CompareRow> & Pick<CompareRow, 'workload' | 'mode' | 'repeat' | 'opsPerSec'>): CompareRow {
  return {
    job: 0, trackingMode: over.mode, copy: 'per-page', normalized: null, epochs: 10,
    pauseP50Us: 0, pauseP99Us: 0, readFaultsPerEpoch: 0, writeFaultsPerEpoch: 0, dirtyPagesPerEpoch: 0,
    verified: null, consistent: null,
    ...over,
  };
}

/** The partial result a shard would write, with made-up throughput. */
export function shardResult(sweep: CompareSweep, shard: CompareShard): CompareResults {
  const rows = shardJobs(buildJobs(sweep), shard).map((j) =>
    rowOf({ job: j.index, workload: j.workload, mode: j.config.name, repeat: j.repeat, opsPerSec: 1000 + j.index }));
  return { version: 1, kind: 'compare', sweep, shard, rows };
}
