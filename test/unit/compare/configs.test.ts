import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/base/errors.js';
import { COMPARE_DEFAULTS, resolveCompare, type CompareFlagValues } from '../../../src/cli/compare-command.js';
import { availableConfigs } from '../../../src/compare/configs.js';
import { STANDARD_WORKLOADS } from '../../../src/guest/workloads/registry.js';

describe('compare flags', () => {
  it('defaults: every standard workload under every configuration this build has, but those run on request', () => {
    const r = resolveCompare({}, {});
    expect(r.sweep).toEqual({
      workloads: [...STANDARD_WORKLOADS], configs: availableConfigs().filter((c) => c.name !== 'all-bg'), repeat: 1, epochMs: 25,
      durationMs: 1000, memBytes: 32 << 20, vcpus: 1, seed: 1,
    });
    expect(r.shard).toEqual({ index: 0, count: 1 });
    expect(r.out).toBe(COMPARE_DEFAULTS.out);
  });

  it('fills the sweep from flags', () => {
    const r = resolveCompare({ workloads: 'kv,gups', modes: 'logdirty,native', repeat: '3', 'epoch-ms': '40', duration: '250ms', mem: '4MiB', vcpus: '2', seed: '9', out: 'results/x.json' }, {});
    expect(r.sweep).toMatchObject({ workloads: ['kv', 'gups'], repeat: 3, epochMs: 40, durationMs: 250, memBytes: 4 << 20, vcpus: 2, seed: 9 });
    expect(r.sweep.configs.map((c) => c.name)).toEqual(['logdirty', 'native']);
    expect(r.out).toBe('results/x');
  });

  it('shards on the default name get their own files', () => {
    expect(resolveCompare({ shard: '2/4' }, {}).out).toBe(`${COMPARE_DEFAULTS.out}-2`);
    expect(resolveCompare({ shard: 'auto' }, { JOB_COMPLETION_INDEX: '1', HBFT_SHARDS: '2' }).out).toBe(`${COMPARE_DEFAULTS.out}-1`);
    expect(resolveCompare({ shard: '2/4', out: 'results/s2' }, {}).out).toBe('results/s2');
  });

  const bad: [CompareFlagValues, RegExp][] = [
    [{ workloads: 'kv,nosuch' }, /^--workloads: unknown "nosuch"/],
    [{ workloads: 'kv,kv' }, /^--workloads: "kv" is listed twice/],
    [{ modes: ',' }, /^--modes: empty list/],
    [{ modes: 'turbo' }, /^--modes: unknown "turbo" \(available: native, logdirty/],
    [{ repeat: '0' }, /^--repeat: must be between 1/],
    [{ mem: '10000' }, /^--mem: 10000 is not a whole number of 4096-byte pages/],
    [{ mem: '4KiB', vcpus: '2' }, /^--mem: 1 pages cannot be shared by 2 vCPUs/],
    [{ 'epoch-ms': '0' }, /^--epoch-ms/],
    [{ out: 'results/' }, /^--out: "results\/" names a directory/],
  ];
  for (const [flags, msg] of bad) {
    it(`rejects ${JSON.stringify(flags)}`, () => {
      expect(() => resolveCompare(flags, {})).toThrow(ConfigError);
      expect(() => resolveCompare(flags, {})).toThrow(msg);
    });
  }
});
