import type { PercentilePoint } from '../metrics/results.js';
import type { CompareResults } from '../metrics/compare-results.js';
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

function pausePoints({ run }: LabelledRun): PercentilePoint[] {
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
      .map((p) => ({
        series: lr.series,
        percentile: p.percentile,
        inverseTail: 1 / (1 - p.percentile / 100),
        valueUs: p.valueUs,
      })),
  );
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

export function compareRows(compares: CompareResults[]): CompareChartRow[] {
  // A compare run without native has nothing to normalize by: those rows are not charted.
  return compares.flatMap((c) =>
    c.rows.flatMap((r) => (r.normalized === null ? [] : [{ workload: r.workload, mode: r.mode, repeat: r.repeat, normalized: r.normalized }])),
  );
}
