import type { CompareResults, CompareRow, CompareSweep } from '../metrics/compare-results.js';
import type { RunResults } from '../metrics/results.js';
import { CompareError } from './errors.js';
import { buildJobs, jobKey, shardJobs } from './jobs.js';

/** A partial result as read from disk: `data` is unchecked JSON. */
export interface MergeInput {
  file: string;
  data: unknown;
}

/**
 * Join the shards of one sweep into the whole. Every input must come from the same sweep,
 * the shards must be n distinct slices of one n-way split, and each must hold exactly the
 * rows its slice of the job list calls for.
 */
export function mergeCompare(inputs: readonly MergeInput[]): CompareResults {
  if (inputs.length === 0) throw new CompareError('COMPARE_BAD_INPUT', 'merge: no input files');
  const parts = inputs.map(({ file, data }) => ({ file, cmp: checkShape(file, data) }));
  const first = parts[0];
  for (const p of parts.slice(1)) {
    const diff = sweepDifferences(first.cmp.sweep, p.cmp.sweep);
    if (diff.length > 0) {
      throw new CompareError('COMPARE_SWEEP_MISMATCH', `merge ${p.file}: not the sweep of ${first.file}: ${diff.join('; ')}`);
    }
    if (p.cmp.shard.count !== first.cmp.shard.count) {
      throw new CompareError('COMPARE_SWEEP_MISMATCH', `merge ${p.file}: split into ${p.cmp.shard.count} shards, ${first.file} into ${first.cmp.shard.count}`);
    }
  }
  const count = first.cmp.shard.count;
  const byIndex = new Map<number, (typeof parts)[number]>();
  for (const p of parts) {
    const other = byIndex.get(p.cmp.shard.index);
    if (other !== undefined) {
      throw new CompareError('COMPARE_SHARD_DUPLICATE', `merge ${p.file}: shard ${p.cmp.shard.index}/${count} is also in ${other.file}`);
    }
    byIndex.set(p.cmp.shard.index, p);
  }
  const missing = [...Array(count).keys()].filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new CompareError('COMPARE_SHARD_MISSING', `merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);
  }

  const jobs = buildJobs(first.cmp.sweep);
  const rows: CompareRow[] = [];
  const runs: RunResults[] = [];
  const keepRuns = parts.every((p) => p.cmp.runs !== undefined);
  for (const p of parts) {
    checkRows(p.file, p.cmp, new Map(shardJobs(jobs, p.cmp.shard).map((j) => [jobKey(j.repeat, j.workload, j.config.name), j.index])));
    rows.push(...p.cmp.rows);
    if (keepRuns) runs.push(...(p.cmp.runs ?? []));
  }
  // Job order, as an unsharded sweep writes them; runs stay beside their rows.
  const order = [...rows.keys()].sort((a, b) => rows[a].job - rows[b].job);
  return {
    version: 1, kind: 'compare', sweep: first.cmp.sweep, shard: { index: 0, count: 1 },
    rows: order.map((i) => rows[i]),
    ...(keepRuns ? { runs: order.map((i) => runs[i]) } : {}),
  };
}

/** Names of the sweep settings that differ, with both values. */
export function sweepDifferences(a: CompareSweep, b: CompareSweep): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof CompareSweep)[];
  return keys
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} ${JSON.stringify(b[k])} vs ${JSON.stringify(a[k])}`);
}

function checkShape(file: string, data: unknown): CompareResults {
  const c = data as Partial<CompareResults> | null;
  if (c === null || typeof c !== 'object' || c.kind !== 'compare' || c.version !== 1 || !Array.isArray(c.rows)) {
    throw new CompareError('COMPARE_BAD_INPUT', `merge ${file}: not a version 1 compare result`);
  }
  if (c.sweep === undefined || c.shard === undefined) {
    throw new CompareError('COMPARE_BAD_INPUT', `merge ${file}: has no sweep or shard (written by an older hbft compare?)`);
  }
  if (c.runs !== undefined && c.runs.length !== c.rows.length) {
    throw new CompareError('COMPARE_BAD_INPUT', `merge ${file}: ${c.runs.length} runs for ${c.rows.length} rows`);
  }
  return c as CompareResults;
}

/** The rows must be exactly the shard's jobs: none missing, none extra, none twice. */
function checkRows(file: string, cmp: CompareResults, want: ReadonlyMap<string, number>): void {
  const seen = new Set<string>();
  for (const r of cmp.rows) {
    const key = jobKey(r.repeat, r.workload, r.mode);
    const what = `repeat ${r.repeat} ${r.workload} under ${r.mode}`;
    if (!want.has(key)) throw new CompareError('COMPARE_ROWS_MISMATCH', `merge ${file}: row ${what} is not a job of shard ${cmp.shard.index}/${cmp.shard.count}`);
    if (want.get(key) !== r.job) throw new CompareError('COMPARE_ROWS_MISMATCH', `merge ${file}: row ${what} says job ${r.job}, the sweep has it as job ${want.get(key)}`);
    if (seen.has(key)) throw new CompareError('COMPARE_ROWS_MISMATCH', `merge ${file}: row ${what} appears twice`);
    seen.add(key);
  }
  if (seen.size !== want.size) {
    throw new CompareError('COMPARE_ROWS_MISMATCH', `merge ${file}: ${want.size - seen.size} of the shard's ${want.size} runs are missing`);
  }
}
