import type { PercentilePoint } from '../metrics/results.js';
import type { CompareResults, CompareRow } from '../metrics/compare-results.js';
import type { RunResults } from '../metrics/results.js';
import type { LabelledRun } from './input.js';

/** Percentiles the summary carries, used when a run has no `pauseDistribution`. */
const SUMMARY_PERCENTILES = [50, 90, 99, 99.9] as const;

export interface DistributionRow {
  series: string;
  percentile: number;
  /** 1 / (1 - p): the HdrHistogram plot's x, so that each "nine" gets equal width */
  inverseTail: number;
  valueUs: number;
}

export interface EpochRow {
  series: string;
  epoch: number;
  pauseUs: number;
  dirtyPages: number;
}

export interface FaultRow {
  series: string;
  epoch: number;
  kind: 'read' | 'write';
  count: number;
}

export interface CompareChartRow {
  workload: string;
  mode: string;
  repeat: number;
  normalized: number;
}

/** A percentile point of one workload under one configuration, over its repeats. */
export interface ComparePauseRow {
  workload: string;
  mode: string;
  percentile: number;
  inverseTail: number;
  /** median over the repeats that have this percentile */
  valueUs: number;
}

/** Faults (read + write) in one epoch, averaged over repeats. */
export interface CompareFaultRow {
  workload: string;
  mode: string;
  epoch: number;
  faults: number;
}

function pausePoints({ run }: { run: RunResults }): PercentilePoint[] {
  if (run.pauseDistribution && run.pauseDistribution.length > 0) return run.pauseDistribution;
  const s = run.pauseUs;
  const values = [s.p50, s.p90, s.p99, s.p999];
  return SUMMARY_PERCENTILES.map((percentile, i) => ({ percentile, valueUs: values[i] ?? 0 }));
}

/** The 100th percentile sits at infinity on this axis; the max is in the run table. */
export function distributionRows(runs: LabelledRun[]): DistributionRow[] {
  return runs.flatMap((lr) =>
    pausePoints(lr)
      .filter((p) => p.percentile >= 0 && p.percentile < 100)
      .map((p) => ({ series: lr.series, percentile: p.percentile, inverseTail: inverseTail(p.percentile), valueUs: p.valueUs })),
  );
}

/** 1 / (1 - p): the HdrHistogram plot's x, so that each "nine" gets equal width */
function inverseTail(percentile: number): number {
  return 1 / (1 - percentile / 100);
}

export function epochRows(runs: LabelledRun[]): EpochRow[] {
  return runs.flatMap(({ series, run }) =>
    run.epochLog.map((e) => ({ series, epoch: e.epoch, pauseUs: e.pauseUs, dirtyPages: e.dirtyPages })),
  );
}

export function faultRows(runs: LabelledRun[]): FaultRow[] {
  return runs.flatMap(({ series, run }) =>
    run.epochLog.flatMap((e): FaultRow[] => [
      { series, epoch: e.epoch, kind: 'read', count: e.faultsRead },
      { series, epoch: e.epoch, kind: 'write', count: e.faultsWrite },
    ]),
  );
}

/** Each row of a sweep with the run behind it, when the sweep kept its runs. */
function rowsWithRuns(c: CompareResults): { row: CompareRow; run: RunResults | undefined }[] {
  return c.rows.map((row, i) => ({ row, run: c.runs?.[i] }));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Groups values under a key and reduces each group, in order of first appearance. */
function reduceGroups<K, T, R>(items: readonly T[], keyOf: (t: T) => K, reduce: (key: K, group: T[]) => R): R[] {
  const groups = new Map<string, { key: K; items: T[] }>();
  for (const t of items) {
    const key = keyOf(t);
    const id = JSON.stringify(key);
    const g = groups.get(id) ?? { key, items: [] };
    g.items.push(t);
    groups.set(id, g);
  }
  return [...groups.values()].map((g) => reduce(g.key, g.items));
}

/**
 * One pause curve per workload and configuration: the median over repeats at each
 * percentile. A sweep that dropped its runs still has p50 and p99 in its rows. Native
 * has no epochs and no curve.
 */
export function comparePauseRows(compares: readonly CompareResults[]): ComparePauseRow[] {
  const points = compares.flatMap((c) =>
    rowsWithRuns(c)
      .filter(({ row }) => row.epochs > 0)
      .flatMap(({ row, run }) => {
        const pts = run !== undefined ? pausePoints({ run }) : [
          { percentile: 50, valueUs: row.pauseP50Us },
          { percentile: 99, valueUs: row.pauseP99Us },
        ];
        return pts
          .filter((p) => p.percentile >= 0 && p.percentile < 100)
          .map((p) => ({ workload: row.workload, mode: row.mode, percentile: p.percentile, valueUs: p.valueUs }));
      }),
  );
  return reduceGroups(points, (p) => [p.workload, p.mode, p.percentile] as const, ([workload, mode, percentile], group) => ({
    workload, mode, percentile, inverseTail: inverseTail(percentile), valueUs: median(group.map((p) => p.valueUs)),
  }));
}

/** Faults per epoch, one line per workload and configuration, the mean over repeats. */
export function compareFaultRows(compares: readonly CompareResults[]): CompareFaultRow[] {
  const points = compares.flatMap((c) =>
    rowsWithRuns(c).flatMap(({ row, run }) =>
      (run?.epochLog ?? []).map((e) => ({ workload: row.workload, mode: row.mode, epoch: e.epoch, faults: e.faultsRead + e.faultsWrite })),
    ),
  );
  return reduceGroups(points, (p) => [p.workload, p.mode, p.epoch] as const, ([workload, mode, epoch], group) => ({
    workload, mode, epoch, faults: group.reduce((a, p) => a + p.faults, 0) / group.length,
  }));
}

export function compareRows(compares: CompareResults[]): CompareChartRow[] {
  // A compare run without native has nothing to normalize by: those rows are not charted.
  return compares.flatMap((c) =>
    c.rows.flatMap((r) => (r.normalized === null ? [] : [{ workload: r.workload, mode: r.mode, repeat: r.repeat, normalized: r.normalized }])),
  );
}
