import type { TopLevelSpec } from 'vega-lite';
import { modeColourScale } from './modes.js';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** the page is 980 px wide; a chart with its legend fits in it */
export const CHART_WIDTH = 640;
/** guards the decade count against 1/(1-0.999) = 1000.0000000000009 */
const LOG_EPSILON = 1e-9;
/** Epochs are whole numbers: a short run must not get ticks at 1.4, 1.8, ... */
export const EPOCH_AXIS = { tickMinStep: 1, format: 'd' } as const;
/**
 * Shared by every chart: a legend never drops entries (vega's default cuts at 30 with
 * "…N entries" and a warning); a chart has as many entries as it has lines.
 */
export const CHART_CONFIG = { legend: { symbolLimit: 0 }, view: { stroke: '#ddd' } } as const;

/** Axis titles, exported so tests and docs name the same text the charts show. */
export const AXIS_TITLES = {
  percentile: 'percentile (log scale of 1/(1-p))',
  pauseUs: 'pause time (µs)',
  epoch: 'epoch',
  epochs: 'epochs',
  dirtyPages: 'dirty pages',
  faults: 'faults in epoch',
  faultsSymlog: 'faults (symlog scale)',
  mode: 'mode',
  normalized: 'throughput / native',
} as const;

export interface ChartDef {
  id: string;
  title: string;
  /** the axis titles the rendered chart must show */
  axisTitles: string[];
  /** at most this many lines or bars per panel: the modes or series it colours */
  maxSeries: number;
  spec: TopLevelSpec;
}

/** 1, 10, 100, ... up to the first decade at or above the largest x. */
export function decadeTicks(maxX: number): number[] {
  const top = Math.max(1, Math.ceil(Math.log10(Math.max(maxX, 1)) - LOG_EPSILON));
  return Array.from({ length: top + 1 }, (_, i) => 10 ** i);
}

/** The x encoding of a pause-percentile chart: 1/(1-p) on a log axis, ticks read as p. */
export function percentileX(maxInverseTail: number) {
  const ticks = decadeTicks(maxInverseTail);
  return {
    field: 'inverseTail',
    type: 'quantitative' as const,
    title: AXIS_TITLES.percentile,
    scale: { type: 'log' as const, domain: [1, ticks[ticks.length - 1] ?? 10] },
    // 1/(1-p) back to p: the ticks read 0%, 90%, 99%, 99.9%, ...
    axis: { values: ticks, labelExpr: "format(100 - 100 / datum.value, '.6~f') + '%'" },
  };
}

/** Colour by `field` with each mode's fixed colour; `names` in page order. */
export function modeColour(field: string, names: readonly string[], title: string) {
  return { field, type: 'nominal', title, sort: [...names], scale: modeColourScale(names) } as const;
}
