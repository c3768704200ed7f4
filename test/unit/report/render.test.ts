import { describe, expect, it } from 'vitest';
import type { RunResults } from '../../../src/metrics/results.js';
import { AXIS_TITLES, planCharts, renderReport, ReportError } from '../../../src/report/index.js';
import { splitInputs, type ReportInput } from '../../../src/report/input.js';
import { distributionRows } from '../../../src/report/data.js';
import { loadCompare, loadRun, RUN_FIXTURES } from '../../fixtures/report/load.js';

const runs = RUN_FIXTURES.map(loadRun);
const compare = loadCompare();
/** namespace declarations are the only URLs an inline SVG may carry */
const SVG_NAMESPACES = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);

function figureIds(html: string): string[] {
  return [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('renderReport', () => {
  it('renders runs and a comparison into one page with four inline SVG charts', async () => {
    const html = await renderReport([...runs, compare], { generatedAt: new Date(0) });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(figureIds(html)).toEqual(['pause-distribution', 'epoch-timeline', 'faults-per-epoch', 'compare-throughput']);
    expect(html.match(/<svg /g)).toHaveLength(4);
    for (const title of Object.values(AXIS_TITLES)) expect(html).toContain(title);
    expect(html).toContain('1970-01-01T00:00:00.000Z');
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
      'pause-distribution',
      'epoch-timeline',
      'faults-per-epoch',
    ]);
    expect(planCharts(splitInputs([compare])).map((c) => c.id)).toEqual(['compare-throughput']);
    // a compare that kept its runs gets the run charts too
    const withRuns = { ...compare, runs };
    expect(planCharts(splitInputs([withRuns]))).toHaveLength(4);
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
  ])('rejects %s with REPORT_BAD_INPUT', async (_name, input) => {
    await expect(renderReport(input)).rejects.toSatisfy(
      (err: unknown) => err instanceof ReportError && err.code === 'REPORT_BAD_INPUT',
    );
  });
});
