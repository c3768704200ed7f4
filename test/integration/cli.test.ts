import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');

function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hbft CLI', () => {
  const bad: [string[], string][] = [
    [['run', '--mode', 'turbo'], '--mode'],
    [['run', '--workload', 'nosuch'], '--workload'],
    [['run', '--mem', '1000'], '--mem'],
    [['run', '--mem', '3MB'], '--mem'],
    [['run', '--vcpus', '0'], '--vcpus'],
    [['run', '--vcpus', 'abc'], '--vcpus'],
    [['run', '--epoch-ms', 'fast'], '--epoch-ms'],
    [['run', '--epoch-ops', '1e3'], '--epoch-ops'],
    [['run', '--duration', 'forever'], '--duration'],
    [['run', '--ops', 'many'], '--ops'],
    [['run', '--seed', '-1'], '--seed'],
    [['run', '--bogus-flag'], '--bogus-flag'],
    [['frobnicate'], 'frobnicate'],
    [['run', '--workload', 'trace'], '--trace'],
    [['run', '--workload', 'trace', '--trace', 'no-such-trace.lackey.gz'], '--trace'],
  ];
  for (const [args, flag] of bad) {
    it(`${args.join(' ')} -> exit 2 naming ${flag}`, () => {
      const r = hbft(...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(flag);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('run --json - prints the results schema with a consistent backup', () => {
    const r = hbft('run', '--workload', 'hotcold', '--mode', 'logdirty', '--mem', '4MiB', '--ops', '20000', '--epoch-ops', '5000', '--verify', '--json', '-');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ version: 1, mode: 'logdirty', workload: { name: 'hotcold', ops: 20000, verified: true }, epochs: 4, backup: { committedEpochs: 5, consistent: true } });
    for (const key of ['pauseUs', 'quiesceUs', 'copyUs', 'faultServiceUs']) {
      expect(Object.keys(j[key]).sort()).toEqual(['count', 'max', 'mean', 'p50', 'p90', 'p99', 'p999']);
    }
    expect(j.pauseUs.count).toBe(4);
    expect(typeof j.workload.result).toBe('string');
    expect(j.throughput.opsPerSec).toBeGreaterThan(0);
    expect(j.faults.read + j.faults.write).toBeGreaterThan(0);
    expect(Object.keys(j.dirtyPages.perEpoch).sort()).toEqual(['max', 'mean', 'p50', 'p99']);
    expect(j.dirtyPages.total).toBe(j.epochLog.reduce((a: number, e: { dirtyPages: number }) => a + e.dirtyPages, 0));
    // The tracking part of each pause is inside the pause, beside the copy.
    for (const e of j.epochLog as { pauseUs: number; copyUs: number; trackUs: number }[]) {
      expect(e.trackUs).toBeGreaterThanOrEqual(0);
      expect(e.trackUs + e.copyUs).toBeLessThanOrEqual(e.pauseUs + 1);
    }
  });
});
