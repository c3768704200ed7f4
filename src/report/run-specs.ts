import type { DistributionRow, EpochRow, FaultRow } from './data.js';
import { AXIS_TITLES, CHART_CONFIG, CHART_WIDTH, EPOCH_AXIS, modeColour, percentileX, SCHEMA, type ChartDef } from './specs.js';

// The charts of single runs (`hbft run --report`, `hbft report run.json ...`): one line
// or panel per run.

const CHART_HEIGHT = 240;
const PANEL_HEIGHT = 150;
const HISTOGRAM_ROW_HEIGHT = 110;
const FAULT_ROW_HEIGHT = 110;
const HISTOGRAM_BINS = 40;
/** the fault kinds keep one colour each across reports */
const FAULT_KINDS = ['read', 'write'];
const FAULT_COLOURS = ['#4c78a8', '#e45756'];

/** How many epochs paused for how long: one panel per run, on a shared x. */
export function pauseHistogramChart(rows: EpochRow[], series: string[], legend: string): ChartDef {
  const title = 'Pause-time histogram: how many epochs paused how long';
  const row = series.length > 1
    ? { row: { field: 'series', type: 'nominal', sort: series, title: null, header: { labelAngle: 0, labelAlign: 'left' } } } as const
    : {};
  return {
    id: 'pause-histogram',
    title,
    axisTitles: [AXIS_TITLES.pauseUs, AXIS_TITLES.epochs],
    maxSeries: 1,
    spec: {
      $schema: SCHEMA,
      title,
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: series.length > 1 ? HISTOGRAM_ROW_HEIGHT : CHART_HEIGHT,
      data: { values: rows },
      mark: 'bar',
      encoding: {
        x: { field: 'pauseUs', type: 'quantitative', bin: { maxbins: HISTOGRAM_BINS }, title: AXIS_TITLES.pauseUs },
        y: { aggregate: 'count', type: 'quantitative', title: AXIS_TITLES.epochs },
        color: modeColour('series', series, legend),
        ...row,
      },
    },
  };
}

export function pauseDistributionChart(rows: DistributionRow[], series: string[], legend: string): ChartDef {
  const title = 'Pause time by percentile';
  return {
    id: 'pause-distribution',
    title,
    axisTitles: [AXIS_TITLES.percentile, AXIS_TITLES.pauseUs],
    maxSeries: series.length,
    spec: {
      $schema: SCHEMA,
      title,
      config: CHART_CONFIG,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: {
        x: percentileX(rows.reduce((max, r) => Math.max(max, r.inverseTail), 1)),
        y: { field: 'valueUs', type: 'quantitative', title: AXIS_TITLES.pauseUs },
        color: modeColour('series', series, legend),
      },
    },
  };
}

export function epochTimelineChart(rows: EpochRow[], series: string[], legend: string): ChartDef {
  const title = 'Pause time and dirty pages per epoch';
  const x = { field: 'epoch', type: 'quantitative', title: AXIS_TITLES.epoch, axis: EPOCH_AXIS } as const;
  const color = modeColour('series', series, legend);
  return {
    id: 'epoch-timeline',
    title,
    axisTitles: [AXIS_TITLES.epoch, AXIS_TITLES.pauseUs, AXIS_TITLES.dirtyPages],
    maxSeries: series.length,
    spec: {
      $schema: SCHEMA,
      title,
      config: CHART_CONFIG,
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
    maxSeries: FAULT_KINDS.length,
    spec: {
      $schema: SCHEMA,
      title,
      config: CHART_CONFIG,
      data: { values: rows },
      // One row per run on a shared y scale, so runs compare by height.
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
