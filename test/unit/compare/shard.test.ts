import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/base/errors.js';
import { resolveShard, type Env } from '../../../src/compare/shard.js';

describe('--shard', () => {
  it('whole sweep without the flag', () => {
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '3' })).toEqual({ index: 0, count: 1 });
  });

  it('i/n', () => {
    expect(resolveShard('2/4', undefined, {})).toEqual({ index: 2, count: 4 });
    expect(resolveShard('0/1', undefined, {})).toEqual({ index: 0, count: 1 });
  });

  const auto: [string, Env, string | undefined, { index: number; count: number }][] = [
    ['Slurm --array=0-3', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' }, undefined, { index: 2, count: 4 }],
    ['Slurm --array=1-4', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }, undefined, { index: 0, count: 4 }],
    ['Slurm --array=10-16:2', { SLURM_ARRAY_TASK_ID: '14', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_STEP: '2' }, undefined, { index: 2, count: 4 }],
    ['Slurm with MAX and no COUNT', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_MAX: '6' }, undefined, { index: 2, count: 4 }],
    ['Indexed Job, --shards', { JOB_COMPLETION_INDEX: '3' }, '4', { index: 3, count: 4 }],
    ['Indexed Job, HBFT_SHARDS', { JOB_COMPLETION_INDEX: '0', HBFT_SHARDS: '4' }, undefined, { index: 0, count: 4 }],
    ['Indexed Job, --shards over HBFT_SHARDS', { JOB_COMPLETION_INDEX: '1', HBFT_SHARDS: '2' }, '5', { index: 1, count: 5 }],
  ];
  for (const [name, env, shards, want] of auto) {
    it(`auto: ${name}`, () => expect(resolveShard('auto', shards, env)).toEqual(want));
  }

  const bad: [string, string | undefined, string | undefined, Env, RegExp][] = [
    ['auto with no scheduler', 'auto', undefined, {}, /^--shard: auto found neither Slurm/],
    ['Indexed Job without a count', 'auto', undefined, { JOB_COMPLETION_INDEX: '1' }, /^--shard: .*--shards N or HBFT_SHARDS/],
    ['index past the count', '4/4', undefined, {}, /^--shard: shard index 4 is not below the count 4/],
    ['zero shards', '0/0', undefined, {}, /^--shard: shard count must be at least 1/],
    ['not i/n', 'half', undefined, {}, /^--shard: "half" is not i\/n or auto/],
    ['bad --shards', 'auto', 'four', { JOB_COMPLETION_INDEX: '1' }, /^--shards: "four" is not a whole number/],
    ['--shards without auto', '1/4', '4', {}, /^--shards: only with --shard auto/],
    ['--shards alone', undefined, '4', {}, /^--shards: only with --shard auto/],
    ['Slurm id off the step', 'auto', undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' }, /not in an array from 0 in steps of 2/],
    ['Slurm without a count', 'auto', undefined, { SLURM_ARRAY_TASK_ID: '3' }, /needs SLURM_ARRAY_TASK_COUNT/],
    ['bad Slurm id', 'auto', undefined, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' }, /^--shard: SLURM_ARRAY_TASK_ID="x" is not a whole number/],
  ];
  for (const [name, text, shards, env, msg] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => resolveShard(text, shards, env)).toThrow(ConfigError);
      expect(() => resolveShard(text, shards, env)).toThrow(msg);
    });
  }
});
