import type { CompareResults, CompareRow, CompareShard, CompareSweep } from '../metrics/compare-results.js';
import type { RunResults } from '../metrics/results.js';
import { buildJobs, shardJobs, type Job } from './jobs.js';
import { normalizeGroup, rowFromRun } from './rows.js';

/** Runs one job; the CLI passes runVm, tests pass a fake. */
export type RunJob = (job: Job) => Promise<RunResults>;

/**
 * Run a shard's jobs in job order (interleaved: repeat, workload, configuration) and
 * normalize each (repeat, workload) group as soon as its last configuration is done.
 */
export async function runSweep(
  sweep: CompareSweep, shard: CompareShard, runJob: RunJob, log: (line: string) => void,
): Promise<CompareResults> {
  const jobs = shardJobs(buildJobs(sweep), shard);
  const rows: CompareRow[] = [];
  const runs: RunResults[] = [];
  let group: CompareRow[] = [];
  for (const [i, job] of jobs.entries()) {
    log(`[${i + 1}/${jobs.length}] repeat ${job.repeat + 1}/${sweep.repeat}: ${job.workload} under ${job.config.name}`);
    const r = await runJob(job);
    runs.push(r);
    group.push(rowFromRun(job, r));
    if (jobs[i + 1]?.group !== job.group) {
      rows.push(...normalizeGroup(group));
      group = [];
    }
  }
  return { version: 1, kind: 'compare', sweep, shard, rows, runs };
}
