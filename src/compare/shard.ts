import { ConfigError } from '../base/errors.js';
import type { CompareShard } from '../metrics/compare-results.js';

export type Env = Readonly<Record<string, string | undefined>>;

const WHOLE: CompareShard = { index: 0, count: 1 };

/**
 * `--shard i/n` (0 <= i < n), or `auto`: Slurm job arrays, else a Kubernetes Indexed Job
 * whose count comes from `--shards N` or HBFT_SHARDS. The environment is read only when
 * the user asked for `auto`, so it never silently overrides a flag.
 */
export function resolveShard(text: string | undefined, shardsFlag: string | undefined, env: Env): CompareShard {
  if (text === undefined) {
    if (shardsFlag !== undefined) throw new ConfigError('--shards', 'only with --shard auto');
    return WHOLE;
  }
  if (text === 'auto') return autoShard(shardsFlag, env);
  if (shardsFlag !== undefined) throw new ConfigError('--shards', 'only with --shard auto (--shard i/n names the count)');
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError('--shard', `"${text}" is not i/n or auto`);
  return checked('--shard', Number(m[1]), Number(m[2]));
}

function autoShard(shardsFlag: string | undefined, env: Env): CompareShard {
  if (env.SLURM_ARRAY_TASK_ID !== undefined) return slurmShard(env);
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = whole('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX);
    const [source, countText] = shardsFlag !== undefined ? ['--shards', shardsFlag] : ['HBFT_SHARDS', env.HBFT_SHARDS];
    if (countText === undefined) {
      throw new ConfigError('--shard', 'auto in a Kubernetes Indexed Job needs the shard count: --shards N or HBFT_SHARDS');
    }
    return checked('--shard', index, whole(source, countText));
  }
  throw new ConfigError('--shard', 'auto found neither Slurm (SLURM_ARRAY_TASK_ID) nor a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)');
}

/** `--array=MIN-MAX[:STEP]`: task ids need not start at 0 nor be consecutive. */
function slurmShard(env: Env): CompareShard {
  const id = whole('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID);
  const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : whole('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN);
  const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : whole('SLURM_ARRAY_TASK_STEP', env.SLURM_ARRAY_TASK_STEP);
  let count: number;
  if (env.SLURM_ARRAY_TASK_COUNT !== undefined) count = whole('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT);
  else if (env.SLURM_ARRAY_TASK_MAX !== undefined) count = Math.floor((whole('SLURM_ARRAY_TASK_MAX', env.SLURM_ARRAY_TASK_MAX) - min) / Math.max(step, 1)) + 1;
  else throw new ConfigError('--shard', 'auto under Slurm needs SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MAX)');
  if (step < 1 || id < min || (id - min) % step !== 0) {
    throw new ConfigError('--shard', `Slurm task ${id} is not in an array from ${min} in steps of ${step}`);
  }
  return checked('--shard', (id - min) / step, count);
}

function whole(name: string, text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text.trim())) {
    // a bad --shards names itself; a bad environment variable is a problem of --shard auto
    throw new ConfigError(name.startsWith('--') ? name : '--shard', `${name.startsWith('--') ? '' : `${name}=`}"${text ?? ''}" is not a whole number`);
  }
  return Number(text);
}

function checked(flag: string, index: number, count: number): CompareShard {
  if (count < 1) throw new ConfigError(flag, `shard count must be at least 1, got ${count}`);
  if (index >= count) throw new ConfigError(flag, `shard index ${index} is not below the count ${count}`);
  return { index, count };
}
