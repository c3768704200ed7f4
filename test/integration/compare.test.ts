import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { availableConfigs } from '../../src/compare/configs.js';
import { buildJobs } from '../../src/compare/jobs.js';
import type { CompareResults } from '../../src/metrics/compare-results.js';

const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');
const TINY = ['--workloads', 'gups,kv', '--modes', 'native,logdirty', '--duration', '300ms', '--mem', '4MiB'];
const dir = mkdtempSync(join(tmpdir(), 'hbft-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Scheduler variables of the machine running the tests must not leak into `--shard auto` cases. */
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLURM_|JOB_COMPLETION_INDEX$|HBFT_SHARDS$)/.test(k)));

function hbft(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, 'compare', ...args], { encoding: 'utf8', timeout: 170_000, env: { ...CLEAN_ENV, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as CompareResults;
const cells = (c: CompareResults) => c.rows.map((r) => `${r.repeat}/${r.workload}/${r.mode}`).sort();

describe('hbft compare', () => {
  it('runs a tiny sweep and writes JSON, CSV and markdown', () => {
    const out = join(dir, 'x');
    const r = hbft([...TINY, '--out', out]);
    expect(r.stderr).toContain('wrote');
    expect(r.code).toBe(0);
    for (const ext of ['json', 'csv', 'md']) expect(existsSync(`${out}.${ext}`)).toBe(true);
    const j = readJson(`${out}.json`);
    expect(j).toMatchObject({ version: 1, kind: 'compare', shard: { index: 0, count: 1 } });
    expect(j.rows.map((row) => [row.job, row.workload, row.mode])).toEqual([
      [0, 'gups', 'native'], [1, 'gups', 'logdirty'], [2, 'kv', 'native'], [3, 'kv', 'logdirty'],
    ]);
    for (const row of j.rows) expect(row.opsPerSec).toBeGreaterThan(0);
    expect(j.rows.filter((row) => row.mode === 'native').map((row) => row.normalized)).toEqual([1, 1]);
    const tracked = j.rows.filter((row) => row.mode === 'logdirty');
    for (const row of tracked) {
      expect(row.epochs).toBeGreaterThan(0);
      expect(row.writeFaultsPerEpoch).toBeGreaterThan(0);
      expect(row.normalized).toBeGreaterThan(0);
    }
    expect(j.runs).toHaveLength(4);
    expect(j.runs!.map((run) => run.mode)).toEqual(['native', 'logdirty', 'native', 'logdirty']);
    expect(readFileSync(`${out}.csv`, 'utf8').trim().split('\n')).toHaveLength(5);
    // the table on stdout is the one in NAME.md
    expect(readFileSync(`${out}.md`, 'utf8')).toContain(r.stdout.trim());
    expect(r.stdout).toMatch(/\| kv +\| logdirty +\|/);
  }, 180_000);

  it('two shards merged cover the unsharded job list exactly', () => {
    const sweep = ['--repeat', '2', ...TINY];
    const a = hbft([...sweep, '--shard', '0/2', '--out', join(dir, 's0')]);
    expect(a.code).toBe(0);
    // the second shard as a Slurm array task 1 of --array=0-1 would see it
    const b = hbft([...sweep, '--shard', 'auto', '--out', join(dir, 's1')], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '0' });
    expect(b.code).toBe(0);
    const s0 = readJson(join(dir, 's0.json'));
    const s1 = readJson(join(dir, 's1.json'));
    expect([s0.shard, s1.shard]).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    expect(s0.rows.length + s1.rows.length).toBe(8);

    const m = hbft(['--merge', join(dir, 's1.json'), join(dir, 's0.json'), '--out', join(dir, 'all')]);
    expect(m.stderr).toContain('wrote');
    expect(m.code).toBe(0);
    const merged = readJson(join(dir, 'all.json'));
    const whole = buildJobs(merged.sweep).map((j) => `${j.repeat}/${j.workload}/${j.config.name}`).sort();
    expect(cells(merged)).toEqual(whole);
    expect(whole).toHaveLength(8);
    expect(merged.rows.map((r) => r.job)).toEqual([...Array(8).keys()]);
    expect(merged.runs).toHaveLength(8);
    expect(existsSync(join(dir, 'all.md')) && existsSync(join(dir, 'all.csv'))).toBe(true);

    // a shard of another sweep is refused with a clear message
    const other = hbft(['--repeat', '1', ...TINY, '--modes', 'native', '--shard', '1/2', '--out', join(dir, 'other')]);
    expect(other.code).toBe(0);
    const bad = hbft(['--merge', join(dir, 's0.json'), join(dir, 'other.json'), '--out', join(dir, 'bad')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/other\.json: not the sweep of .*s0\.json: .*repeat 1 vs 2.*\[COMPARE_SWEEP_MISMATCH\]/);
  }, 180_000);

  const bad: [string[], Record<string, string>, string][] = [
    [['--modes', 'native,turbo'], {}, '--modes'],
    // `all` (wfp + superpage) is refused only while this build lacks one of them
    ...(availableConfigs().some((c) => c.name === 'all') ? [] : [[['--modes', 'all'], {}, '--modes'] as [string[], Record<string, string>, string]]),
    [['--workloads', 'nosuch'], {}, '--workloads'],
    [['--repeat', '0'], {}, '--repeat'],
    [['--mem', '3MB'], {}, '--mem'],
    [['--duration', 'soon'], {}, '--duration'],
    [['--shard', '2/2'], {}, '--shard'],
    [['--shard', 'auto'], {}, '--shard'],
    [['--shard', 'auto'], { JOB_COMPLETION_INDEX: '0' }, '--shard'],
    [['--shard', 'auto', '--shards', 'x'], { JOB_COMPLETION_INDEX: '0' }, '--shards'],
    [['--merge', 'a.json'], {}, '--out'],
    [['--merge', '--repeat', '2', 'a.json', '--out', 'x'], {}, '--repeat'],
    [['stray.json'], {}, 'stray.json'],
    [['--bogus'], {}, '--bogus'],
  ];
  for (const [args, env, flag] of bad) {
    it(`${args.join(' ')} ${Object.keys(env).join(' ')} -> exit 2 naming ${flag}`, () => {
      const r = hbft(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(flag);
    });
  }
});
