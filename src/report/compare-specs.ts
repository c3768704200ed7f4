import type { Encoding } from 'vega-lite/build/src/encoding.js';
import type { AnyMark } from 'vega-lite/build/src/mark.js';
import type { CompareChartRow, CompareFaultRow, ComparePauseRow } from './data.js';
import { AXIS_TITLES, CHART_CONFIG, decadeTicks, EPOCH_AXIS, modeColour, percentileX, SCHEMA, type ChartDef } from './specs.js';

// The charts of a sweep: small multiples, one panel per workload, one bar or line per
// mode in every panel, each mode in its fixed colour.

/** panels per row: four workloads side by side still leave room for seven bars each */
const COLUMNS = 4;
const PANEL_WIDTH = 170;
const PANEL_HEIGHT = 150;
const LINE_COLUMNS = 3;
const LINE_PANEL_WIDTH = 230;

function workloadFacet(workloads: string[], columns: number) {
  return {
    facet: { field: 'workload', type: 'nominal', sort: workloads, title: null, header: { labelFontSize: 12, labelFontWeight: 'bold' } },
    columns: Math.min(columns, Math.max(workloads.length, 1)),
  } as const;
}

export function compareThroughputChart(rows: CompareChartRow[], workloads: string[], modes: string[]): ChartDef {
  const title = 'Throughput under each mode, normalized to native (bar: mean over repeats, tick: one repeat)';
  const x = { field: 'mode', type: 'nominal', sort: modes, title: null, axis: { labelAngle: -40 } } as const;
  return {
    id: 'compare-throughput',
    title,
    axisTitles: [AXIS_TITLES.normalized],
    maxSeries: modes.length,
    spec: {
      $schema: SCHEMA,
      title,
      config: CHART_CONFIG,
      data: { values: rows },
      ...workloadFacet(workloads, COLUMNS),
      spec: {
        width: PANEL_WIDTH,
        height: PANEL_HEIGHT,
        layer: [
          {
            mark: 'bar',
            encoding: {
              x,
              color: modeColour('mode', modes, AXIS_TITLES.mode),
              y: { aggregate: 'mean', field: 'normalized', type: 'quantitative', title: AXIS_TITLES.normalized },
            },
          },
          {
            // one tick per repeat shows the spread the mean hides
            mark: { type: 'tick', color: '#222', thickness: 1.5 },
            encoding: { x, y: { field: 'normalized', type: 'quantitative' } },
          },
          {
            // native's own level (1), drawn once per panel from native's rows
            transform: [{ filter: "datum.mode === 'native'" }],
            mark: { type: 'rule', strokeDash: [4, 4], color: '#666' },
            encoding: { y: { aggregate: 'max', field: 'normalized', type: 'quantitative' } },
          },
        ],
      },
    },
  };
}

/**
 * One line per mode in one panel per workload, each workload on its own y scale: the
 * shape the pause and fault charts share.
 */
function modeLinesByWorkload(
  def: { id: string; title: string; axisTitles: string[] },
  rows: object[], workloads: string[], modes: string[],
  mark: AnyMark, encoding: Encoding<string>,
): ChartDef {
  return {
    ...def,
    maxSeries: modes.length,
    spec: {
      $schema: SCHEMA,
      title: def.title,
      config: CHART_CONFIG,
      data: { values: rows },
      ...workloadFacet(workloads, LINE_COLUMNS),
      // each workload on its own scale: logdirty's 10 ms pauses must not flatten pml's 0.1 ms
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: LINE_PANEL_WIDTH,
        height: PANEL_HEIGHT,
        mark,
        encoding: { ...encoding, color: modeColour('mode', modes, AXIS_TITLES.mode) },
      },
    },
  };
}

export function comparePauseChart(rows: ComparePauseRow[], workloads: string[], modes: string[]): ChartDef {
  return modeLinesByWorkload(
    { id: 'compare-pause', title: 'Pause time by percentile (median over repeats)', axisTitles: [AXIS_TITLES.percentile, AXIS_TITLES.pauseUs] },
    rows, workloads, modes,
    { type: 'line', point: { size: 12 } },
    {
      x: percentileX(rows.reduce((max, r) => Math.max(max, r.inverseTail), 1)),
      y: { field: 'valueUs', type: 'quantitative', title: AXIS_TITLES.pauseUs },
    },
  );
}

export function compareFaultsChart(rows: CompareFaultRow[], workloads: string[], modes: string[]): ChartDef {
  return modeLinesByWorkload(
    { id: 'compare-faults', title: 'Faults per epoch, read and write (mean over repeats)', axisTitles: [AXIS_TITLES.epoch, AXIS_TITLES.faultsSymlog] },
    rows, workloads, modes,
    { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
    {
      x: { field: 'epoch', type: 'quantitative', title: AXIS_TITLES.epoch, axis: EPOCH_AXIS },
      // modes differ by orders of magnitude (logdirty faults on every page, pml on none)
      y: {
        field: 'faults', type: 'quantitative', title: AXIS_TITLES.faultsSymlog, scale: { type: 'symlog' },
        axis: { values: [0, ...decadeTicks(rows.reduce((max, r) => Math.max(max, r.faults), 1))], format: ',d' },
      },
    },
  );
}
