import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunResults } from '../../../src/metrics/results.js';
import { AXIS_TITLES, planCharts, renderReport, ReportError } from '../../../src/report/index.js';
import { splitInputs, type ReportInput } from '../../../src/report/input.js';
import { distributionRows } from '../../../src/report/data.js';
import { loadCompare, loadRun, RUN_FIXTURES, sweepWithRuns, SWEEP_OPS } from '../../fixtures/report/load.js';

const runs = RUN_FIXTURES.map(loadRun);
const compare = loadCompare();
/** namespace declarations are the only URLs an inline SVG may carry */
const SVG_NAMESPACES = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);

function figureIds(html: string): string[] {
  return [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('renderReport', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renders runs and a comparison into one page: the comparison first, then the runs', async () => {
    const html = await renderReport([...runs, compare], { generatedAt: new Date(0) });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // compare.json kept no runs: its pause curves come from the rows' p50/p99, and it has no fault log
    expect(figureIds(html)).toEqual([
      'compare-throughput', 'compare-pause', 'pause-histogram', 'epoch-timeline', 'pause-distribution', 'faults-per-epoch',
    ]);
    expect(html.match(/<svg /g)).toHaveLength(6);
    for (const title of Object.values(AXIS_TITLES).filter((t) => t !== AXIS_TITLES.faultsSymlog)) expect(html).toContain(title);
    expect(html).toContain('1970-01-01T00:00:00.000Z');
  });

  it('opens a sweep with the throughput chart and the answer table; tables come last, collapsed', async () => {
    const html = await renderReport([sweepWithRuns()]);
    expect(figureIds(html)).toEqual(['compare-throughput', 'compare-pause', 'compare-faults']);
    const at = (needle: string): number => {
      const i = html.indexOf(needle);
      expect(i, needle).toBeGreaterThan(-1);
      return i;
    };
    expect(at('data-chart="compare-throughput"')).toBeLessThan(at('id="answer"'));
    expect(at('id="answer"')).toBeLessThan(at('data-chart="compare-pause"'));
    expect(at('data-chart="compare-faults"')).toBeLessThan(at('<details>'));
    // every table but the answer sits inside a <details>
    const tables = [...html.matchAll(/<table class="([^"]+)"/g)].map((m) => m[1]);
    expect(tables).toEqual(['summary answer', 'summary', 'summary', 'summary']);
    expect(html.match(/<details>/g)).toHaveLength(3);
    expect(at('id="answer"')).toBeLessThan(at('<details>'));
  });

  it('names the best protected mode per workload with its gain over logdirty and pause p99', async () => {
    const sweep = sweepWithRuns();
    const html = await renderReport([sweep]);
    const answer = html.slice(html.indexOf('id="answer"'), html.indexOf('</table>', html.indexOf('id="answer"')));
    const lines = [...answer.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((m) => [...(m[1] ?? '').matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]));
    const p99 = (mode: string): string => String(loadRun(mode === 'logdirty' ? 'run-logdirty.json' : 'run-wfp.json').pauseUs.p99.toLocaleString('en-US'));
    // gups: all (400) beats wfp (300); zipf: wfp (1600) beats all (1500); ratios are per repeat
    expect(lines).toEqual([
      ['gups', 'all', String(SWEEP_OPS.gups!.all! / SWEEP_OPS.gups!.native!), '4', p99('all')],
      ['zipf', 'wfp', String(SWEEP_OPS.zipf!.wfp! / SWEEP_OPS.zipf!.native!), '3.2', p99('wfp')],
    ]);
  });

  it('keeps every configuration\'s own name: `all` is not wfp#2', async () => {
    const sweep = sweepWithRuns();
    const split = splitInputs([sweep]);
    expect([...new Set(split.runs.map((r) => r.config))]).toEqual(['native', 'logdirty', 'wfp', 'all']);
    expect(split.runs.filter((r) => r.config === 'all').map((r) => r.series)).toEqual(['gups/all', 'gups/all#2', 'zipf/all', 'zipf/all#2']);
    const html = await renderReport([sweep]);
    // two repeats: wfp and wfp#2; a third would be `all` mislabelled by its tracking mode
    expect(html).toContain('gups/wfp#2');
    expect(html).not.toMatch(/wfp#3/);
    // a run of its own with wfp + superpage is `all` too (`hbft run --opt all`)
    const wfp = loadRun('run-wfp.json');
    const optAll: RunResults = { ...wfp, config: { ...wfp.config, copy: 'superpage' } };
    expect(splitInputs([wfp, optAll]).runs.map((r) => r.series)).toEqual(['wfp', 'all']);
  });

  it('draws one line per mode in each panel and gives every mode its colour on every chart', () => {
    const charts = planCharts(splitInputs([sweepWithRuns()]));
    for (const c of charts) {
      expect(c.maxSeries, c.id).toBeLessThanOrEqual(4);
      const json = JSON.stringify(c.spec);
      // all (wfp + superpage) is the same teal in every chart that shows it
      expect(json, c.id).toContain('"all"');
      expect(json, c.id).toContain('#1b7f79');
    }
  });

  it('prints nothing on the terminal, not even for a legend of 40 runs', async () => {
    const spies = (['log', 'warn', 'error', 'info'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    const stderr = vi.spyOn(process.stderr, 'write');
    const many = Array.from({ length: 40 }, () => runs[0]!);
    const html = await renderReport([...many, sweepWithRuns()]);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    expect(html).not.toContain('Chart warnings');
    // vega marks a cut legend with "…N entries"; every run keeps its entry
    expect(html).not.toMatch(/\d+ entries/);
    expect(html).toMatch(/<text[^>]*>zipf\/logdirty#40<\/text>/);
  });

  it('is self-contained: no scripts, no URLs to fetch, unique element ids', async () => {
    const html = await renderReport([...runs, compare]);
    expect(html).not.toMatch(/<script/i);
    const urls = [...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !SVG_NAMESPACES.has(u))).toEqual([]);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is byte-identical for the same results and options', async () => {
    const opts = { generatedAt: new Date(0) };
    expect(await renderReport(runs, opts)).toBe(await renderReport(runs, opts));
  });

  it('draws only the charts the inputs support', () => {
    expect(planCharts(splitInputs(runs)).map((c) => c.id)).toEqual([
      'pause-histogram',
      'epoch-timeline',
      'pause-distribution',
      'faults-per-epoch',
    ]);
    expect(planCharts(splitInputs([compare])).map((c) => c.id)).toEqual(['compare-throughput', 'compare-pause']);
    // without native there is nothing to normalize by
    const noNative = { ...compare, rows: compare.rows.filter((r) => r.mode !== 'native').map((r) => ({ ...r, normalized: null })) };
    expect(planCharts(splitInputs([noNative])).map((c) => c.id)).toEqual(['compare-pause']);
  });

  it('labels series by mode for one workload and by workload/mode for several', () => {
    expect(splitInputs(runs).runs.map((r) => r.series)).toEqual(['logdirty', 'wfp', 'pml']);
    const other: RunResults = { ...runs[0]!, workload: { ...runs[0]!.workload, name: 'gups' } };
    expect(splitInputs([runs[0]!, other, runs[0]!]).runs.map((r) => r.series)).toEqual([
      'gups/logdirty',
      'zipf/logdirty',
      'zipf/logdirty#2',
    ]);
  });

  it('falls back to the summary percentiles when a run has no pauseDistribution', () => {
    const { pauseDistribution: _dropped, ...bare } = runs[0]!;
    const rows = distributionRows(splitInputs([bare]).runs);
    expect(rows.map((r) => r.percentile)).toEqual([50, 90, 99, 99.9]);
    expect(rows.map((r) => r.valueUs)).toEqual([bare.pauseUs.p50, bare.pauseUs.p90, bare.pauseUs.p99, bare.pauseUs.p999]);
    expect(rows[3]!.inverseTail).toBeCloseTo(1000);
  });

  it('keeps the 100th percentile off the log axis', () => {
    const rows = distributionRows(splitInputs([runs[0]!]).runs);
    expect(rows.every((r) => Number.isFinite(r.inverseTail) && r.percentile < 100)).toBe(true);
  });

  it.each([
    ['no results', [] as ReportInput[]],
    ['a version 2 run', [{ ...runs[0]!, version: 2 } as unknown as ReportInput]],
    ['a run without an epoch log', [{ ...runs[0]!, epochLog: undefined } as unknown as ReportInput]],
    ['a compare without rows', [{ version: 1, kind: 'compare' } as unknown as ReportInput]],
    ['a compare with fewer runs than rows', [{ ...sweepWithRuns(), runs: sweepWithRuns().runs?.slice(1) } as ReportInput]],
  ])('rejects %s with REPORT_BAD_INPUT', async (_name, input) => {
    await expect(renderReport(input)).rejects.toSatisfy(
      (err: unknown) => err instanceof ReportError && err.code === 'REPORT_BAD_INPUT',
    );
  });
});
