import type { TopLevelSpec } from 'vega-lite';
import type { CompareChartRow, DistributionRow, EpochRow, FaultRow } from './data.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const CHART_WIDTH = 640;
const CHART_HEIGHT = 260;
const PANEL_HEIGHT = 150;
const FAULT_ROW_HEIGHT = 110;
/** the fault kinds keep one colour each across reports */
const FAULT_KINDS = ['read', 'write'];
const FAULT_COLOURS = ['#4c78a8', '#e45756'];
/** guards the decade count against 1/(1-0.999) = 1000.0000000000009 */
const LOG_EPSILON = 1e-9;
/** Epochs are whole numbers: a short run must not get ticks at 1.4, 1.8, ... */
const EPOCH_AXIS = { tickMinStep: 1, format: 'd' } as const;

/** Axis titles, exported so tests and docs name the same text the charts show. */
export const AXIS_TITLES = {
  percentile: 'percentile (log scale of 1/(1-p))',
  pauseUs: 'pause time (µs)',
  epoch: 'epoch',
  dirtyPages: 'dirty pages',
  faults: 'faults in epoch',
  workload: 'workload',
  normalized: 'throughput / native',
} as const;

export interface ChartDef {
  id: string;
  title: string;
  /** the axis titles the rendered chart must show */
  axisTitles: string[];
  spec: TopLevelSpec;
}

/** 1, 10, 100, ... up to the first decade at or above the largest x. */
function decadeTicks(maxX: number): number[] {
  const top = Math.max(1, Math.ceil(Math.log10(Math.max(maxX, 1)) - LOG_EPSILON));
  return Array.from({ length: top + 1 }, (_, i) => 10 ** i);
}

export function pauseDistributionChart(rows: DistributionRow[], series: string[], legend: string): ChartDef {
  const ticks = decadeTicks(rows.reduce((max, r) => Math.max(max, r.inverseTail), 1));
  const title = 'Pause time by percentile';
  return {
    id: 'pause-distribution',
    title,
    axisTitles: [AXIS_TITLES.percentile, AXIS_TITLES.pauseUs],
    spec: {
      $schema: SCHEMA,
      title,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'inverseTail',
          type: 'quantitative',
          title: AXIS_TITLES.percentile,
          scale: { type: 'log', domain: [1, ticks[ticks.length - 1] ?? 10] },
          // 1/(1-p) back to p: the ticks read 0%, 90%, 99%, 99.9%, ...
          axis: { values: ticks, labelExpr: "format(100 - 100 / datum.value, '.6~f') + '%'" },
        },
        y: { field: 'valueUs', type: 'quantitative', title: AXIS_TITLES.pauseUs },
        color: { field: 'series', type: 'nominal', title: legend, sort: series },
      },
    },
  };
}

export function epochTimelineChart(rows: EpochRow[], series: string[], legend: string): ChartDef {
  const title = 'Pause time and dirty pages per epoch';
  const x = { field: 'epoch', type: 'quantitative', title: AXIS_TITLES.epoch, axis: EPOCH_AXIS } as const;
  const color = { field: 'series', type: 'nominal', title: legend, sort: series } as const;
  return {
    id: 'epoch-timeline',
    title,
    axisTitles: [AXIS_TITLES.epoch, AXIS_TITLES.pauseUs, AXIS_TITLES.dirtyPages],
    spec: {
      $schema: SCHEMA,
      title,
      data: { values: rows },
      vconcat: [
        {
          width: CHART_WIDTH,
          height: PANEL_HEIGHT,
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'pauseUs', type: 'quantitative', title: AXIS_TITLES.pauseUs }, color },
        },
        {
          width: CHART_WIDTH,
          height: PANEL_HEIGHT,
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'dirtyPages', type: 'quantitative', title: AXIS_TITLES.dirtyPages }, color },
        },
      ],
    },
  };
}

export function faultsChart(rows: FaultRow[], series: string[]): ChartDef {
  const title = 'Faults per epoch by kind';
  return {
    id: 'faults-per-epoch',
    title,
    axisTitles: [AXIS_TITLES.epoch, AXIS_TITLES.faults],
    spec: {
      $schema: SCHEMA,
      title,
      data: { values: rows },
      // One row per mode on a shared y scale, so modes compare by height.
      facet: {
        row: { field: 'series', type: 'nominal', sort: series, title: null, header: { labelAngle: 0, labelAlign: 'left' } },
      },
      spec: {
        width: CHART_WIDTH,
        height: FAULT_ROW_HEIGHT,
        mark: { type: 'area', interpolate: 'step-after', opacity: 0.85 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: AXIS_TITLES.epoch, axis: EPOCH_AXIS },
          y: { field: 'count', type: 'quantitative', title: AXIS_TITLES.faults, stack: 'zero' },
          color: {
            field: 'kind',
            type: 'nominal',
            title: 'fault kind',
            scale: { domain: FAULT_KINDS, range: FAULT_COLOURS },
          },
        },
      },
    },
  };
}

export function compareThroughputChart(rows: CompareChartRow[], modes: string[]): ChartDef {
  const title = 'Normalized throughput by workload and mode (native = 1)';
  const x = { field: 'workload', type: 'nominal', title: AXIS_TITLES.workload, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'mode', type: 'nominal', sort: modes } as const;
  const color = { field: 'mode', type: 'nominal', title: 'mode', sort: modes } as const;
  return {
    id: 'compare-throughput',
    title,
    axisTitles: [AXIS_TITLES.workload, AXIS_TITLES.normalized],
    spec: {
      $schema: SCHEMA,
      title,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      data: { values: rows },
      layer: [
        {
          // bar = mean over repeats
          mark: 'bar',
          encoding: {
            x,
            xOffset,
            color,
            y: { aggregate: 'mean', field: 'normalized', type: 'quantitative', title: AXIS_TITLES.normalized },
          },
        },
        {
          // one tick per repeat shows the spread the mean hides
          mark: { type: 'tick', color: '#222', thickness: 1.5 },
          encoding: { x, xOffset, y: { field: 'normalized', type: 'quantitative' } },
        },
        {
          data: { values: [{}] },
          mark: { type: 'rule', strokeDash: [4, 4], color: '#666' },
          encoding: { y: { datum: 1 } },
        },
      ],
    },
  };
}
