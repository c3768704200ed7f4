import type { RunResults } from './results.js';

/** One (repeat, workload, configuration) run of `hbft compare`. */
export interface CompareRow {
  /** position in the sweep's job list (src/compare/jobs.ts): stable across shards */
  job: number;
  workload: string;
  /** the compare configuration's name: a tracking mode, or a named combination such as `all` */
  mode: string;
  /** what the configuration ran: tracking mode and copy engine */
  trackingMode: string;
  copy: string;
  repeat: number;
  opsPerSec: number;
  /** opsPerSec divided by `native` of the same workload and repeat; null when native was not run */
  normalized: number | null;
  epochs: number;
  pauseP50Us: number;
  pauseP99Us: number;
  readFaultsPerEpoch: number;
  writeFaultsPerEpoch: number;
  dirtyPagesPerEpoch: number;
  verified: boolean | null;
  consistent: boolean | null;
}

/** A named compare configuration: a tracking mode plus a copy engine. */
export interface CompareConfigSpec {
  name: string;
  mode: string;
  copy: string;
  /** `--copy-at`; absent: pause */
  copyAt?: string;
}

/** Everything that decides a sweep's job list and its runs; shards of one sweep agree on all of it. */
export interface CompareSweep {
  workloads: string[];
  configs: CompareConfigSpec[];
  repeat: number;
  epochMs: number;
  durationMs: number;
  memBytes: number;
  vcpus: number;
  seed: number;
}

/** The slice of the job list a file holds: `{ index: 0, count: 1 }` for a whole sweep or a merge. */
export interface CompareShard {
  index: number;
  count: number;
}

/** The results JSON of `hbft compare` (version 1). Extend, never rename. */
export interface CompareResults {
  version: 1;
  kind: 'compare';
  sweep: CompareSweep;
  shard: CompareShard;
  /** in job order */
  rows: CompareRow[];
  /** the full results of each run; runs[i] is the run behind rows[i] */
  runs?: RunResults[];
}
