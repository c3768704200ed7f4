import type { CompareConfigSpec, CompareShard, CompareSweep } from '../metrics/compare-results.js';

/** One run of a sweep. */
export interface Job {
  /** position in the full job list */
  readonly index: number;
  /** the (repeat, workload) pair: all configurations of a group run side by side */
  readonly group: number;
  readonly repeat: number;
  readonly workload: string;
  readonly config: CompareConfigSpec;
}

/**
 * The full job list, interleaved: for each repeat, for each workload, every
 * configuration in turn, so that machine noise hits all configurations alike.
 */
export function buildJobs(sweep: CompareSweep): Job[] {
  const jobs: Job[] = [];
  let group = 0;
  for (let repeat = 0; repeat < sweep.repeat; repeat++) {
    for (const workload of sweep.workloads) {
      for (const config of sweep.configs) jobs.push({ index: jobs.length, group, repeat, workload, config });
      group++;
    }
  }
  return jobs;
}

/**
 * The jobs of one shard. Whole groups go round-robin by group index, so the shards
 * cover every job exactly once and each keeps its normalization side by side.
 */
export function shardJobs(jobs: readonly Job[], shard: CompareShard): Job[] {
  return jobs.filter((j) => j.group % shard.count === shard.index);
}

/** A job's identity in rows: what merge matches rows against. */
export function jobKey(repeat: number, workload: string, mode: string): string {
  return JSON.stringify([repeat, workload, mode]);
}
