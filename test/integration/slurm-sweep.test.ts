import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResults, CompareRow } from '../../src/metrics/compare-results.js';
import { slurmCmd, slurmMissing, startSlurm, waitForJobs, type Slurm } from '../helpers/slurm.js';

// The Slurm example of docs/sweeps.md, run on a real single-node Slurm: the array job
// shards the sweep, a dependent job merges the shards, and the merged table must hold
// the rows of the same sweep run on one machine.

const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPT = 'docs/examples/compare-sweep.sbatch';
/** Small enough for a test; 2 workloads x 2 repeats = 4 groups, one per array task. */
const SWEEP = ['--workloads', 'gups,kv', '--modes', 'native,logdirty,all', '--repeat', '2', '--duration', '300ms', '--mem', '4MiB'];
const ARRAY_TASKS = 4;
const JOBS_TIMEOUT_MS = 150_000;

const missing = slurmMissing();
if (missing !== null) {
  if (process.env.HBFT_REQUIRE_SLURM === '1') throw new Error(`HBFT_REQUIRE_SLURM=1 but ${missing}`);
  console.log(`slurm-sweep: skipped: ${missing}`);
}

/** The fenced block that follows `marker` in a Markdown file. */
function blockAfter(markdown: string, marker: string): string {
  const at = markdown.indexOf(marker);
  expect(at, marker).toBeGreaterThan(-1);
  const m = /```\w*\n([\s\S]*?)```/.exec(markdown.slice(at));
  return m?.[1] ?? '';
}

/** What is the same whatever the machine's speed: which jobs ran, in what order, and that each checked out. */
const rowIdentity = (r: CompareRow) => ({
  job: r.job, repeat: r.repeat, workload: r.workload, mode: r.mode, trackingMode: r.trackingMode, copy: r.copy,
  verified: r.verified, consistent: r.consistent,
});

describe.skipIf(missing !== null)('the Slurm example of docs/sweeps.md on a single-node Slurm', () => {
  let slurm: Slurm;
  const work = mkdtempSync(join(tmpdir(), 'hbft-slurm-'));
  const submit = join(work, 'submit');

  beforeAll(async () => {
    slurm = await startSlurm(join(work, 'cluster'));
    // the doc's commands run from the repository root: a submit directory that links its
    // build and docs keeps the results out of the repository
    mkdirSync(join(submit, 'results'), { recursive: true });
    symlinkSync(join(ROOT, 'dist'), join(submit, 'dist'));
    symlinkSync(join(ROOT, 'docs'), join(submit, 'docs'));
  });

  afterAll(async () => {
    await slurm?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('documents the script it submits, verbatim', () => {
    const doc = readFileSync(join(ROOT, 'docs/sweeps.md'), 'utf8');
    expect(blockAfter(doc, '[`examples/compare-sweep.sbatch`]')).toBe(readFileSync(join(ROOT, SCRIPT), 'utf8'));
    expect(blockAfter(doc, 'then merge once')).toContain(`jid=$(sbatch --parsable ${SCRIPT})`);
  });

  it('shards the sweep over an array job, merges it in a dependent job, and matches one machine', async () => {
    const doc = readFileSync(join(ROOT, 'docs/sweeps.md'), 'utf8');
    const mergeCmd = /--wrap \\\n\s*'([^']+)'/.exec(blockAfter(doc, 'then merge once'))?.[1];
    expect(mergeCmd).toMatch(/compare --merge/);

    const sbatchOut = slurmCmd(slurm, 'sbatch', ['--parsable', SCRIPT, ...SWEEP], submit).trim();
    const jid = sbatchOut.split(';')[0] ?? '';
    expect(jid).toMatch(/^\d+$/);
    const mergeJid = slurmCmd(slurm, 'sbatch', ['--parsable', `--dependency=afterok:${jid}`, '--wrap', mergeCmd ?? ''], submit).trim();
    console.log(`slurm-sweep: sbatch: array job ${jid} (${SCRIPT} ${SWEEP.join(' ')}), merge job ${mergeJid}`);
    const queued = await waitForJobs(slurm, [jid, mergeJid], JOBS_TIMEOUT_MS);
    console.log(`slurm-sweep: squeue saw:\n  ${queued.join('\n  ')}`);

    const states = slurmCmd(slurm, 'scontrol', ['show', 'job', '-o', jid]).trim().split('\n');
    const merged = slurmCmd(slurm, 'scontrol', ['show', 'job', '-o', mergeJid]).trim();
    const summary = [...states, merged].map((l) => ['JobId', 'ArrayTaskId', 'JobName', 'JobState', 'ExitCode']
      .map((k) => new RegExp(`\\b${k}=(\\S+)`).exec(l)?.[0] ?? '').filter(Boolean).join(' '));
    console.log(`slurm-sweep: scontrol show job:\n  ${summary.join('\n  ')}`);
    console.log(`slurm-sweep: job completion log:\n  ${slurm.completions().trim().split('\n').join('\n  ')}`);
    expect(states).toHaveLength(ARRAY_TASKS);
    for (const l of [...states, merged]) {
      expect(l).toMatch(/JobState=COMPLETED/);
      expect(l).toMatch(/ExitCode=0:0/);
    }
    const taskIds = states.map((l) => Number(/ArrayTaskId=(\d+)/.exec(l)?.[1])).sort();
    expect(taskIds).toEqual([0, 1, 2, 3]);

    // each task wrote its shard of the array, found through SLURM_ARRAY_TASK_*
    const shards = taskIds.map((i) => JSON.parse(readFileSync(join(submit, 'results', `sweep-${i}.json`), 'utf8')) as CompareResults);
    expect(shards.map((s) => s.shard)).toEqual(taskIds.map((index) => ({ index, count: ARRAY_TASKS })));
    for (const s of shards) expect(s.rows.length).toBeGreaterThan(0);
    const sweep = JSON.parse(readFileSync(join(submit, 'results', 'sweep.json'), 'utf8')) as CompareResults;

    // the same sweep on one machine, no Slurm
    const single = join(work, 'single');
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'compare', ...SWEEP, '--out', single], {
      encoding: 'utf8', timeout: JOBS_TIMEOUT_MS,
    });
    expect(r.status, r.stderr).toBe(0);
    const one = JSON.parse(readFileSync(`${single}.json`, 'utf8')) as CompareResults;
    console.log(`slurm-sweep: merged ${sweep.rows.length} rows from ${ARRAY_TASKS} shards; single machine ${one.rows.length} rows`);
    const table = (c: CompareResults): string[] => c.rows.map((x) => `${x.job} r${x.repeat} ${x.workload} ${x.mode} verified=${x.verified} consistent=${x.consistent}`);
    console.log(`slurm-sweep: merged rows:\n  ${table(sweep).join('\n  ')}`);
    expect(sweep.sweep).toEqual(one.sweep);
    expect(sweep.shard).toEqual({ index: 0, count: 1 });
    expect(sweep.rows.map(rowIdentity)).toEqual(one.rows.map(rowIdentity));
    expect(sweep.rows).toHaveLength(2 * 2 * 3);
    expect(sweep.rows.every((x) => x.verified !== false && x.consistent !== false)).toBe(true);
    // the merge wrote its table too
    expect(readFileSync(join(submit, 'results', 'sweep.md'), 'utf8')).toMatch(/kv/);
  });
});
