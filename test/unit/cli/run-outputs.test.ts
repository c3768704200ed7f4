import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/base/errors.js';
import { expandOptionalValues } from '../../../src/cli/optional-value.js';
import { OPTIONAL_VALUE_FLAGS, resolveRunOutputs } from '../../../src/cli/run-outputs.js';
import { defaultReportPath, defaultRunReportPath } from '../../../src/report/paths.js';

describe('expandOptionalValues', () => {
  it.each([
    [['--report'], ['--report=']],
    [['--report', '--quiet'], ['--report=', '--quiet']],
    [['--report', 'out.html', '--quiet'], ['--report', 'out.html', '--quiet']],
    [['--report=x.html'], ['--report=x.html']],
    [['--cpu-prof', '--report'], ['--cpu-prof=', '--report=']],
    [['--json', '--report'], ['--json', '--report=']],
  ])('%j -> %j', (argv, expected) => {
    expect(expandOptionalValues(argv, OPTIONAL_VALUE_FLAGS)).toEqual(expected);
  });
});

describe('resolveRunOutputs', () => {
  it('fills defaults', () => {
    expect(resolveRunOutputs({}, 'gups', 'wfp')).toEqual({ report: null, hdrLog: null, cpuProfDir: null, quiet: false });
    expect(resolveRunOutputs({ report: '', 'cpu-prof': '' }, 'gups', 'wfp')).toMatchObject({
      report: 'results/run-gups-wfp.html', cpuProfDir: 'results/profiles',
    });
  });

  it('rejects an empty --hdr-log', () => {
    expect(() => resolveRunOutputs({ 'hdr-log': '' }, 'gups', 'wfp')).toThrow(ConfigError);
  });
});

describe('default report paths', () => {
  it.each([
    [['results/a.json'], 'results/a.html'],
    [['out/a.json', 'b.json'], 'out/report.html'],
  ])('%j -> %s', (inputs, path) => {
    expect(defaultReportPath(inputs)).toBe(path);
  });

  it('names a custom workload module by its file name', () => {
    expect(defaultRunReportPath('./examples/my-workload.js', 'logdirty')).toBe('results/run-my-workload-logdirty.html');
  });
});
