import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistogramLogReader, initWebAssemblySync, listTags } from 'hdr-histogram-js';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'hbft-outputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI with stdout and stderr piped (never a TTY), from a temporary folder, so
 * default paths (results/...) land there and not in the repository. */
function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const METRICS = ['copy', 'faultService', 'pause', 'quiesce'];
const INTERVAL_S = 1;

describe('hbft run --hdr-log', () => {
  it('writes one interval histogram per second per metric that add up to the results', () => {
    const log = join(work, 'run.hlog');
    const json = join(work, 'run.json');
    const r = hbft('run', '--workload', 'seqwrite', '--mode', 'logdirty', '--mem', '16MiB', '--duration', '2500ms',
      '--hdr-log', log, '--json', json);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote HdrHistogram log ${log}`);
    const text = readFileSync(log, 'utf8');
    expect(listTags(text).sort()).toEqual(METRICS);

    initWebAssemblySync();
    const reader = new HistogramLogReader(text, 32, true);
    const lengths: Record<string, number[]> = {};
    let pauses = 0;
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      (lengths[h.tag] ??= []).push((h.endTimeStampMsec - h.startTimeStampMsec) / 1000);
      if (h.tag === 'pause') pauses += h.totalCount;
      h.destroy();
    }
    for (const metric of METRICS) {
      const full = lengths[metric]!.slice(0, -1); // the last interval ends with the run
      expect(full.length, metric).toBeGreaterThanOrEqual(1);
      // Threads rotate at their next step or epoch after the second ends: about 1 s.
      for (const s of full) expect(s, metric).toBeCloseTo(INTERVAL_S, 0);
      expect(lengths[metric]!.at(-1)!, metric).toBeLessThanOrEqual(INTERVAL_S + 0.5);
    }
    const results = JSON.parse(readFileSync(json, 'utf8'));
    expect(pauses).toBe(results.pauseUs.count);
    expect(pauses).toBeGreaterThan(10);
  });
});

describe('hbft run --cpu-prof', () => {
  it('writes one .cpuprofile per thread, named by role', () => {
    const dir = join(work, 'profiles');
    const r = hbft('run', '--workload', 'hotcold', '--mode', 'logdirty', '--mem', '4MiB', '--ops', '4000', '--epoch-ops', '1000',
      '--cpu-prof', dir);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['checkpointer.cpuprofile', 'main.cpuprofile', 'tracker.cpuprofile', 'vcpu-0.cpuprofile']);
    for (const f of files) {
      const profile = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(Array.isArray(profile.nodes) && profile.nodes.length > 0, f).toBe(true);
      expect(Array.isArray(profile.samples), f).toBe(true);
      expect(profile.endTime).toBeGreaterThan(profile.startTime);
    }
  });
});

describe('hbft run off a terminal', () => {
  it('writes no control characters when stdout and stderr are piped', () => {
    const report = join(work, 'piped.html');
    const r = hbft('run', '--workload', 'seqwrite', '--mode', 'logdirty', '--mem', '4MiB', '--duration', '600ms', '--report', report);
    expect(r.code, r.stderr).toBe(0);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toMatch(/\x1b/);
      expect(text).not.toMatch(/\r/);
    }
  });
});

describe('hbft run --report', () => {
  it('writes the page for the run and prints its path; a bare --report takes the default path', () => {
    const r = hbft('run', '--workload', 'hotcold', '--mode', 'logdirty', '--mem', '4MiB', '--ops', '3000', '--epoch-ops', '1000',
      '--report', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const path = 'results/run-hotcold-logdirty.html';
    expect(r.stdout).toContain(`wrote report ${path}`);
    const html = readFileSync(join(work, path), 'utf8');
    expect(html).toContain('<figure class="chart" id="chart-pause-distribution"');
    expect(html).toContain('hotcold');
  });
});

describe('hbft profile', () => {
  it('re-runs under node --prof and writes one tick summary per thread, named by role', () => {
    const dir = join(work, 'prof');
    const r = hbft('profile', '--out', dir, '--', 'run', '--workload', 'hotcold', '--mode', 'logdirty', '--mem', '4MiB',
      '--ops', '2000', '--epoch-ops', '1000', '--copy-threads', '1', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const roles = ['checkpointer', 'copier-0', 'main', 'tracker', 'vcpu-0'];
    expect(readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()).toEqual(roles.map((x) => `${x}.txt`));
    for (const role of roles) expect(r.stdout).toContain(`wrote ${join(dir, `${role}.txt`)}`);
    const vcpu = readFileSync(join(dir, 'vcpu-0.txt'), 'utf8');
    expect(vcpu).toMatch(/^Statistical profiling result from .*vcpu-0\.v8\.log/);
    expect(vcpu).toContain('vcpu-loop.js');
  });
});
