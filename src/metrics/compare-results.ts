import type { RunResults } from './results.js';

/** One (workload, mode, repeat) cell of `hbft compare`. */
export interface CompareRow {
  workload: string;
  mode: string;
  repeat: number;
  opsPerSec: number;
  /** opsPerSec divided by the same workload's `native` throughput */
  normalized: number;
  pauseP50Us: number;
  pauseP99Us: number;
  readFaultsPerEpoch: number;
  writeFaultsPerEpoch: number;
  dirtyPagesPerEpoch: number;
}

/** The results JSON of `hbft compare` (version 1). Extend, never rename. */
export interface CompareResults {
  version: 1;
  kind: 'compare';
  rows: CompareRow[];
  /** the full results of each run, when the compare kept them */
  runs?: RunResults[];
}
