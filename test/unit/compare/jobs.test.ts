import { describe, expect, it } from 'vitest';
import { availableConfigs, defaultConfigs, whyUnavailable } from '../../../src/compare/configs.js';
import { resolveCompare } from '../../../src/cli/compare-command.js';
import { buildJobs, jobKey, shardJobs } from '../../../src/compare/jobs.js';
import { sweepOf } from '../../helpers/compare.js';

describe('compare job list', () => {
  it('interleaves: repeat, then workload, then every configuration', () => {
    const jobs = buildJobs(sweepOf());
    expect(jobs).toHaveLength(2 * 3 * 3);
    expect(jobs.slice(0, 4).map((j) => [j.repeat, j.workload, j.config.name])).toEqual([
      [0, 'seqwrite', 'native'], [0, 'seqwrite', 'logdirty'], [0, 'seqwrite', 'rfr'], [0, 'gups', 'native'],
    ]);
    expect(jobs.map((j) => j.index)).toEqual([...jobs.keys()]);
    expect(jobs[9]).toMatchObject({ repeat: 1, workload: 'seqwrite', group: 3 });
  });

  for (const repeat of [1, 3]) {
    for (let n = 1; n <= 5; n++) {
      it(`${n} shards of ${repeat} repeat(s) cover every job exactly once, groups whole`, () => {
        const jobs = buildJobs(sweepOf({ repeat }));
        const seen = new Map<number, number>();
        for (let i = 0; i < n; i++) {
          const mine = shardJobs(jobs, { index: i, count: n });
          for (const j of mine) seen.set(j.index, (seen.get(j.index) ?? 0) + 1);
          // every configuration of a (repeat, workload) lands in the same shard
          const groups = new Set(mine.map((j) => j.group));
          for (const g of groups) expect(mine.filter((j) => j.group === g)).toHaveLength(3);
          // shard order is job order, so a shard still runs its groups interleaved
          expect(mine.map((j) => j.index)).toEqual([...mine.map((j) => j.index)].sort((a, b) => a - b));
        }
        expect([...seen.keys()].sort((a, b) => a - b)).toEqual(jobs.map((j) => j.index));
        expect([...seen.values()].every((c) => c === 1)).toBe(true);
      });
    }
  }

  it('a shard past the group count is empty, not an error', () => {
    expect(shardJobs(buildJobs(sweepOf({ repeat: 1, workloads: ['kv'] })), { index: 3, count: 4 })).toEqual([]);
  });

  it('job keys tell workloads with commas apart', () => {
    expect(jobKey(0, 'a,b', 'c')).not.toBe(jobKey(0, 'a', 'b,c'));
  });
});

describe('compare configurations', () => {
  it('the plain modes, then `all` once wfp and superpage exist', () => {
    expect(availableConfigs(['native', 'logdirty'], ['per-page']).map((c) => c.name)).toEqual(['native', 'logdirty']);
    expect(availableConfigs(['native', 'logdirty', 'rfr', 'wfp'], ['per-page'])).not.toContainEqual(expect.objectContaining({ name: 'all' }));
    const full = availableConfigs(['native', 'logdirty', 'rfr', 'wfp', 'dbit', 'pml'], ['per-page', 'superpage']);
    expect(full.map((c) => c.name)).toEqual(['native', 'logdirty', 'rfr', 'wfp', 'dbit', 'pml', 'all', 'all-bg']);
    expect(full.at(-2)).toEqual({ name: 'all', mode: 'wfp', copy: 'superpage' });
    expect(full.at(-1)).toEqual({ name: 'all-bg', mode: 'wfp', copy: 'superpage', copyAt: 'background' });
    expect(full[3]).toEqual({ name: 'wfp', mode: 'wfp', copy: 'per-page' });
  });

  it('all-bg runs only when --modes names it, with --copy-at background', () => {
    expect(defaultConfigs().map((c) => c.name)).not.toContain('all-bg');
    expect(defaultConfigs().map((c) => c.name)).toContain('all');
    const { sweep } = resolveCompare({ modes: 'logdirty,all-bg' }, {});
    expect(sweep.configs.map((c) => c.copyAt)).toEqual([undefined, 'background']);
  });

  it('says what `all` lacks', () => {
    expect(whyUnavailable('all', ['native', 'logdirty'], ['per-page'])).toMatch(/needs tracking mode wfp and copy engine superpage/);
    expect(whyUnavailable('all', ['wfp'], ['per-page'])).toMatch(/needs copy engine superpage,/);
    expect(whyUnavailable('turbo')).toBe('unknown "turbo"');
  });
});
