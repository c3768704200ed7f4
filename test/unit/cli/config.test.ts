import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/base/errors.js';
import { parseFlags, resolveRunConfig, RUN_FLAGS, type RunFlagValues } from '../../../src/cli/config.js';
import { parseDuration, parseSize } from '../../../src/cli/units.js';

describe('run config', () => {
  it('fills every default', () => {
    const c = resolveRunConfig({});
    expect(c).toMatchObject({ workload: 'seqwrite', mode: 'logdirty', vcpus: 1, memBytes: 256 << 20, epochMs: 25, epochOps: null, durationMs: 5000, opsPerVcpu: null, verify: false });
  });

  it('sizes and durations', () => {
    expect(parseSize('--mem', '64MiB')).toBe(64 << 20);
    expect(parseSize('--mem', '512KiB')).toBe(512 << 10);
    expect(parseSize('--mem', '2GiB')).toBe(2 ** 31);
    expect(parseDuration('--duration', '250ms')).toBe(250);
    expect(parseDuration('--duration', '5s')).toBe(5000);
    expect(parseDuration('--duration', '2')).toBe(2000);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ mode: 'bogus' }, /--mode: unknown mode "bogus"/],
    [{ 'fault-path': 'sideways' }, /--fault-path: unknown fault path "sideways"/],
    [{ 'exit-cost': 'fast' }, /--exit-cost: "fast" is not a number of µs from 0 to 100/],
    [{ 'exit-cost': '101' }, /--exit-cost: "101" is not/],
    [{ 'exit-cost': '-1' }, /--exit-cost: "-1" is not/],
    [{ 'copy-at': 'later' }, /--copy-at: unknown value "later" \(one of pause, background\)/],
    [{ 'copy-at': 'background', mode: 'native' }, /--copy-at: native mode takes no checkpoints/],
    [{ 'copy-threads': '9' }, /--copy-threads: must be between 0 and 8/],
    [{ 'copy-threads': 'many' }, /--copy-threads: "many" is not a whole number/],
    [{ workload: 'nope' }, /--workload: unknown workload/],
    [{ mem: '10000' }, /--mem: .*whole number of 4096-byte pages/],
    [{ mem: 'lots' }, /--mem: "lots" is not a size/],
    [{ vcpus: '0' }, /--vcpus: must be between 1/],
    [{ vcpus: 'two' }, /--vcpus: "two" is not a whole number/],
    [{ 'epoch-ms': 'x' }, /--epoch-ms/],
    [{ duration: 'soon' }, /--duration/],
    [{ ops: '-3' }, /--ops/],
    [{ 'epoch-ms': '10', 'epoch-ops': '5' }, /--epoch-ops: give --epoch-ms or --epoch-ops/],
    [{ workload: 'trace' }, /--trace: the trace workload needs --trace FILE/],
    [{ workload: 'trace', trace: 'test/fixtures/traces/no-such.lackey.gz' }, /--trace: no such file test\/fixtures\/traces\/no-such/],
    [{ workload: 'trace', trace: 'test/fixtures/traces' }, /--trace: test\/fixtures\/traces is not a file/],
  ];
  for (const [flags, msg] of bad) {
    it(`rejects ${JSON.stringify(flags)}`, () => {
      expect(() => resolveRunConfig(flags)).toThrow(ConfigError);
      expect(() => resolveRunConfig(flags)).toThrow(msg);
    });
  }

  it('--trace and --ifetch go to options', () => {
    const trace = 'test/fixtures/traces/gzip.lackey.gz';
    expect(resolveRunConfig({ workload: 'trace', trace }).options).toEqual({ trace });
    expect(resolveRunConfig({ workload: 'trace', trace, ifetch: true }).options).toEqual({ trace, ifetch: true });
    const { values } = parseFlags(['--workload', 'trace', '--trace', trace, '--ifetch'], RUN_FLAGS);
    expect(resolveRunConfig(values as RunFlagValues).options).toEqual({ trace, ifetch: true });
  });

  it('--fault-path: the tracker when it has a core, else inline; an explicit choice wins', () => {
    const cores = availableParallelism();
    expect(resolveRunConfig({ vcpus: String(cores - 1) }).faultPath).toBe(cores > 1 ? 'tracker' : 'inline');
    expect(resolveRunConfig({ vcpus: String(cores) }).faultPath).toBe('inline');
    expect(resolveRunConfig({ vcpus: String(cores), 'fault-path': 'tracker' }).faultPath).toBe('tracker');
    expect(resolveRunConfig({ 'fault-path': 'inline' }).faultPath).toBe('inline');
  });

  it('--exit-cost: 0 unless given, fractions of a µs allowed; --copy-at: pause unless given', () => {
    expect(resolveRunConfig({}).exitCostUs).toBe(0);
    expect(resolveRunConfig({ 'exit-cost': '1.5' }).exitCostUs).toBe(1.5);
    expect(resolveRunConfig({}).copyAt).toBe('pause');
    expect(resolveRunConfig({ 'copy-at': 'background' }).copyAt).toBe('background');
  });

  it('--copy-threads: 1 with a second core, else 0; an explicit count wins', () => {
    expect(resolveRunConfig({}).copyThreads).toBe(availableParallelism() >= 2 ? 1 : 0);
    expect(resolveRunConfig({ 'copy-threads': '0' }).copyThreads).toBe(0);
    expect(resolveRunConfig({ 'copy-threads': '8' }).copyThreads).toBe(8);
  });

  it('unknown flags name the flag', () => {
    expect(() => parseFlags(['--frobnicate', '1'], RUN_FLAGS)).toThrow(/--frobnicate/);
  });
});
