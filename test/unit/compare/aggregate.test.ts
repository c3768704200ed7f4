import { describe, expect, it } from 'vitest';
import { spread, summarize } from '../../../src/compare/aggregate.js';
import { normalizeGroup, rowFromRun } from '../../../src/compare/rows.js';
import { runSweep } from '../../../src/compare/sweep-runner.js';
import type { RunResults } from '../../../src/metrics/results.js';
import { loadRun } from '../../fixtures/report/load.js';
import { rowOf, sweepOf } from '../../helpers/compare.js';

describe('spread', () => {
  it('median of odd and even counts, min, max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(spread([])).toBeNull();
  });
});

describe('normalizeGroup', () => {
  it('divides by the group native', () => {
    const g = normalizeGroup([
      rowOf({ workload: 'kv', mode: 'logdirty', repeat: 0, opsPerSec: 50 }),
      rowOf({ workload: 'kv', mode: 'native', repeat: 0, opsPerSec: 200 }),
    ]);
    expect(g.map((r) => r.normalized)).toEqual([0.25, 1]);
  });
  it('leaves null without native', () => {
    expect(normalizeGroup([rowOf({ workload: 'kv', mode: 'logdirty', repeat: 0, opsPerSec: 50 })])[0].normalized).toBeNull();
  });
});

describe('summarize', () => {
  // kv, two repeats; throughput chosen so every ratio is exact
  const ops: Record<string, [number, number]> = {
    native: [1000, 800], logdirty: [250, 200], rfr: [500, 300], wfp: [750, 600], all: [900, 720],
  };
  const rows = [0, 1].flatMap((repeat) => normalizeGroup(Object.entries(ops).map(([mode, v]) =>
    rowOf({
      workload: 'kv', mode, repeat, opsPerSec: v[repeat], trackingMode: mode === 'all' ? 'wfp' : mode,
      copy: mode === 'all' ? 'superpage' : 'per-page',
      readFaultsPerEpoch: repeat + 1, writeFaultsPerEpoch: 10 * (repeat + 1), dirtyPagesPerEpoch: 100 * (repeat + 1),
      pauseP50Us: 7 + repeat, pauseP99Us: 70 + 10 * repeat,
    }))));
  const s = summarize(rows);
  const by = (mode: string) => s.find((r) => r.mode === mode)!;

  it('one line per workload and configuration, in order of appearance', () => {
    expect(s.map((r) => r.mode)).toEqual(['native', 'logdirty', 'rfr', 'wfp', 'all']);
    expect(by('all')).toMatchObject({ trackingMode: 'wfp', copy: 'superpage', repeats: 2 });
  });

  it('normalized and speedup per repeat, then median and extent', () => {
    expect(by('native').normalized).toEqual({ median: 1, min: 1, max: 1, n: 2 });
    expect(by('rfr').normalized).toEqual({ median: 0.4375, min: 0.375, max: 0.5, n: 2 });
    expect(by('rfr').speedup).toEqual({ median: 1.75, min: 1.5, max: 2, n: 2 });
    expect(by('logdirty').speedup).toEqual({ median: 1, min: 1, max: 1, n: 2 });
  });

  it('each optimization alone over the configuration without it', () => {
    expect(by('rfr').gain).toEqual({ name: 'rfr', over: 'logdirty', value: { median: 1.75, min: 1.5, max: 2, n: 2 } });
    expect(by('wfp').gain).toEqual({ name: 'wfp', over: 'rfr', value: { median: 1.75, min: 1.5, max: 2, n: 2 } });
    expect(by('all').gain).toEqual({ name: 'superpage', over: 'wfp', value: { median: 1.2, min: 1.2, max: 1.2, n: 2 } });
    expect(by('native').gain).toBeNull();
    expect(by('logdirty').gain).toBeNull();
  });

  it('per-epoch counts and pauses are medians over repeats', () => {
    expect(by('wfp')).toMatchObject({ readFaultsPerEpoch: 1.5, writeFaultsPerEpoch: 15, dirtyPagesPerEpoch: 150, pauseP50Us: 7.5, pauseP99Us: 75 });
  });

  it('a gain or ratio whose base did not run is null', () => {
    // as a sweep without native and rfr would have written them: nothing to normalize by
    const noBase = summarize(rows.filter((r) => r.mode !== 'rfr' && r.mode !== 'native').map((r) => ({ ...r, normalized: null })));
    expect(noBase.find((r) => r.mode === 'wfp')!.gain).toBeNull();
    expect(noBase.find((r) => r.mode === 'wfp')!.normalized).toBeNull();
    expect(summarize(rows.filter((r) => r.mode !== 'logdirty')).find((r) => r.mode === 'rfr')!.speedup).toBeNull();
  });

  it('ratios pair runs of the same repeat only', () => {
    const partial = summarize([...rows.filter((r) => r.mode !== 'logdirty' || r.repeat === 1)]);
    expect(partial.find((r) => r.mode === 'rfr')!.speedup).toEqual({ median: 1.5, min: 1.5, max: 1.5, n: 1 });
  });
});

describe('runSweep', () => {
  it('runs the shard in job order, normalizes per group, keeps runs beside rows', async () => {
    const base = loadRun('run-logdirty.json');
    const sweep = sweepOf({ workloads: ['a', 'b'], repeat: 2 });
    const order: string[] = [];
    const out = await runSweep(sweep, { index: 1, count: 2 }, async (job) => {
      order.push(`${job.repeat}/${job.workload}/${job.config.name}`);
      const ops = job.config.name === 'native' ? 1000 : 500;
      return { ...base, mode: job.config.mode, throughput: { opsPerSec: ops } } satisfies RunResults;
    }, () => undefined);
    expect(order).toEqual(['0/b/native', '0/b/logdirty', '0/b/rfr', '1/b/native', '1/b/logdirty', '1/b/rfr']);
    expect(out.shard).toEqual({ index: 1, count: 2 });
    expect(out.rows.map((r) => r.normalized)).toEqual([1, 0.5, 0.5, 1, 0.5, 0.5]);
    expect(out.rows.map((r) => r.job)).toEqual([3, 4, 5, 9, 10, 11]);
    expect(out.runs).toHaveLength(out.rows.length);
  });

  it('rowFromRun takes per-epoch counts from the run', () => {
    const run = loadRun('run-wfp.json');
    const row = rowFromRun({ index: 7, group: 2, repeat: 1, workload: 'zipf', config: { name: 'all', mode: 'wfp', copy: 'superpage' } }, run);
    expect(row).toMatchObject({ job: 7, mode: 'all', trackingMode: 'wfp', copy: 'superpage', epochs: run.epochs, pauseP99Us: run.pauseUs.p99 });
    expect(row.readFaultsPerEpoch).toBeCloseTo(run.faults.read / run.epochs, 2);
  });
});
