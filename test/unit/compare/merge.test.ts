import { describe, expect, it } from 'vitest';
import { CompareError } from '../../../src/compare/errors.js';
import { buildJobs } from '../../../src/compare/jobs.js';
import { mergeCompare, type MergeInput } from '../../../src/compare/merge.js';
import type { CompareResults } from '../../../src/metrics/compare-results.js';
import { shardResult, sweepOf } from '../../helpers/compare.js';

const shards = (n: number, sweep = sweepOf()): MergeInput[] =>
  [...Array(n).keys()].map((i) => ({ file: `s${i}.json`, data: shardResult(sweep, { index: i, count: n }) }));

function rejects(inputs: MergeInput[], code: string, msg: RegExp): void {
  let err: unknown;
  try {
    mergeCompare(inputs);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CompareError);
  expect((err as CompareError).code).toBe(code);
  expect((err as Error).message).toMatch(msg);
}

describe('mergeCompare', () => {
  for (let n = 1; n <= 5; n++) {
    it(`${n} shards, in any order, give the unsharded job list`, () => {
      const merged = mergeCompare(shards(n).reverse());
      const jobs = buildJobs(sweepOf());
      expect(merged.rows.map((r) => [r.job, r.repeat, r.workload, r.mode])).toEqual(jobs.map((j) => [j.index, j.repeat, j.workload, j.config.name]));
      expect(merged.shard).toEqual({ index: 0, count: 1 });
    });
  }

  it('keeps each run beside its row', () => {
    const withRuns = shards(2).map(({ file, data }) => {
      const c = data as CompareResults;
      return { file, data: { ...c, runs: c.rows.map((r) => ({ tag: r.job })) } };
    });
    const merged = mergeCompare(withRuns);
    expect(merged.runs!.map((r) => (r as unknown as { tag: number }).tag)).toEqual(merged.rows.map((r) => r.job));
  });

  it('rejects shards of different sweeps, naming the setting', () => {
    const a = shards(2)[0];
    const b = shards(2, sweepOf({ repeat: 3 }))[1];
    rejects([a, b], 'COMPARE_SWEEP_MISMATCH', /^merge s1\.json: not the sweep of s0\.json: repeat 3 vs 2$/);
    const c = shards(2, sweepOf({ memBytes: 1 << 20, workloads: ['kv'] }))[1];
    rejects([a, c], 'COMPARE_SWEEP_MISMATCH', /workloads \["kv"\] vs .*; memBytes 1048576 vs 67108864/);
  });

  it('rejects different splits, duplicates and missing shards', () => {
    rejects([shards(2)[0], shards(3)[1]], 'COMPARE_SWEEP_MISMATCH', /split into 3 shards, s0\.json into 2/);
    rejects([shards(2)[0], { ...shards(2)[0], file: 'again.json' }], 'COMPARE_SHARD_DUPLICATE', /again\.json: shard 0\/2 is also in s0\.json/);
    rejects([shards(4)[0], shards(4)[2]], 'COMPARE_SHARD_MISSING', /shards 1\/4, 3\/4 missing/);
  });

  it('rejects rows that are not the shard’s jobs', () => {
    const [a, b] = shards(2);
    const bc = b.data as CompareResults;
    rejects([a, { file: 'b.json', data: { ...bc, rows: bc.rows.slice(1) } }], 'COMPARE_ROWS_MISMATCH', /b\.json: 1 of the shard's 9 runs are missing/);
    rejects([a, { file: 'b.json', data: { ...bc, rows: [...bc.rows, bc.rows[0]] } }], 'COMPARE_ROWS_MISMATCH', /appears twice/);
    const foreign = (a.data as CompareResults).rows[0];
    rejects([a, { file: 'b.json', data: { ...bc, rows: [...bc.rows.slice(1), foreign] } }], 'COMPARE_ROWS_MISMATCH', /is not a job of shard 1\/2/);
    rejects([a, { file: 'b.json', data: { ...bc, rows: bc.rows.map((r, i) => (i === 0 ? { ...r, job: 99 } : r)) } }], 'COMPARE_ROWS_MISMATCH', /says job 99/);
  });

  it('rejects what is not a sharded compare result', () => {
    rejects([], 'COMPARE_BAD_INPUT', /no input files/);
    rejects([{ file: 'run.json', data: { version: 1, mode: 'logdirty' } }], 'COMPARE_BAD_INPUT', /run\.json: not a version 1 compare result/);
    rejects([{ file: 'old.json', data: { version: 1, kind: 'compare', rows: [] } }], 'COMPARE_BAD_INPUT', /old\.json: has no sweep or shard/);
    rejects([{ file: 'n.json', data: null }], 'COMPARE_BAD_INPUT', /n\.json/);
  });
});
