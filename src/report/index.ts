import type { SummaryRow } from '../compare/aggregate.js';
import { compareFaultRows, comparePauseRows, compareRows, distributionRows, epochRows, faultRows } from './data.js';
import { compareFaultsChart, comparePauseChart, compareThroughputChart } from './compare-specs.js';
import { detailsHtml, escapeHtml, renderPage, type PageBlock } from './html.js';
import { splitInputs, type LabelledRun, type ReportInput, type SplitInputs } from './input.js';
import { sortModes } from './modes.js';
import { epochTimelineChart, faultsChart, pauseDistributionChart, pauseHistogramChart } from './run-specs.js';
import type { ChartDef } from './specs.js';
import {
  answerTableHtml, compareSummary, compareWorkloads, configTableHtml, detailTablesHtml, runTableHtml,
} from './summary.js';
import { chartToSvg } from './svg.js';

export { ReportError, type ReportErrorCode } from './errors.js';
export { AXIS_TITLES, type ChartDef } from './specs.js';
export type { ReportInput } from './input.js';

export interface ReportOptions {
  /** page title; by default it names the workloads and modes */
  title?: string;
  /** shown in the header; pass it for byte-identical reports of the same results */
  generatedAt?: Date;
}

/** A page in order: charts, and the tables placed between them. */
type PlanItem = { kind: 'chart'; chart: ChartDef } | { kind: 'html'; html: string };

/** Runs that came as results files of their own, not inside a sweep. */
const standalone = (runs: readonly LabelledRun[]): LabelledRun[] => runs.filter((r) => r.origin === 'run');

/**
 * A sweep's charts, answer first: normalized throughput per workload, then pause curves
 * and faults per epoch, one line per mode. The last two need the sweep's runs.
 */
function compareCharts(inputs: SplitInputs, summary: readonly SummaryRow[]): PlanItem[] {
  const workloads = compareWorkloads(inputs.compares);
  const modes = sortModes(inputs.compares.flatMap((c) => c.rows.map((r) => r.mode)));
  const items: PlanItem[] = [];
  const throughput = compareRows(inputs.compares);
  if (throughput.length > 0) items.push({ kind: 'chart', chart: compareThroughputChart(throughput, workloads, modes) });
  const answer = answerTableHtml(summary);
  if (answer !== '') items.push({ kind: 'html', html: answer });
  const pauses = comparePauseRows(inputs.compares);
  if (pauses.length > 0) {
    items.push({ kind: 'chart', chart: comparePauseChart(pauses, workloads, sortModes(pauses.map((p) => p.mode))) });
  }
  const faults = compareFaultRows(inputs.compares);
  if (faults.length > 0) {
    items.push({ kind: 'chart', chart: compareFaultsChart(faults, workloads, sortModes(faults.map((f) => f.mode))) });
  }
  return items;
}

/** Single runs' charts, the pause histogram and the epoch timeline first. */
function runCharts(runs: LabelledRun[]): ChartDef[] {
  if (runs.length === 0) return [];
  const series = runs.map((r) => r.series);
  const legend = new Set(runs.map((r) => r.run.workload.name)).size > 1 ? 'run' : 'mode';
  return [
    pauseHistogramChart(epochRows(runs), series, legend),
    epochTimelineChart(epochRows(runs), series, legend),
    pauseDistributionChart(distributionRows(runs), series, legend),
    faultsChart(faultRows(runs), series),
  ];
}

function planPage(inputs: SplitInputs): PlanItem[] {
  if (inputs.compares.length > 0) {
    const summary = compareSummary(inputs.compares);
    const single = standalone(inputs.runs);
    return [
      ...compareCharts(inputs, summary),
      ...runCharts(single).map((chart): PlanItem => ({ kind: 'chart', chart })),
      { kind: 'html', html: '<h2 id="details">Details</h2>' },
      { kind: 'html', html: detailTablesHtml(summary, inputs.runs) },
    ];
  }
  // A page of single runs: a few lines, so the run table stays open.
  return [
    ...runCharts(inputs.runs).map((chart): PlanItem => ({ kind: 'chart', chart })),
    { kind: 'html', html: ['<h2 id="runs">Runs</h2>', runTableHtml(inputs.runs)].join('\n') },
    { kind: 'html', html: detailsHtml(`Configuration of each run (${inputs.runs.length})`, configTableHtml(inputs.runs)) },
  ];
}

/** The charts the inputs support, in page order. */
export function planCharts(inputs: SplitInputs): ChartDef[] {
  return planPage(inputs).flatMap((item) => (item.kind === 'chart' ? [item.chart] : []));
}

function describe(inputs: SplitInputs): { workloads: string[]; modes: string[] } {
  const cmpRows = inputs.compares.flatMap((c) => c.rows);
  const workloads = [...new Set([...inputs.runs.map((r) => r.run.workload.name), ...cmpRows.map((r) => r.workload)])];
  const modes = sortModes([...inputs.runs.map((r) => r.config), ...cmpRows.map((r) => r.mode)]);
  return { workloads: workloads.sort(), modes };
}

/**
 * Renders results into one self-contained HTML page: inline SVG charts, no scripts. What
 * vega warned about goes into the page, collapsed, not to the terminal.
 */
export async function renderReport(results: ReportInput[], opts: ReportOptions = {}): Promise<string> {
  const inputs = splitInputs(results);
  const { workloads, modes } = describe(inputs);
  const blocks: PageBlock[] = [];
  const warnings: string[] = [];
  // One at a time: each render holds a full vega dataflow in memory.
  for (const item of planPage(inputs)) {
    if (item.kind === 'html') {
      blocks.push(item);
      continue;
    }
    const rendered = await chartToSvg(item.chart);
    warnings.push(...rendered.warnings);
    blocks.push({ kind: 'chart', id: item.chart.id, title: item.chart.title, svg: rendered.svg });
  }
  if (warnings.length > 0) {
    blocks.push({ kind: 'html', html: detailsHtml(`Chart warnings (${warnings.length})`, `<pre>${escapeHtml(warnings.join('\n'))}</pre>`) });
  }
  const title = opts.title ?? `hbft-emu report: ${workloads.join(', ')}`;
  const counts = [
    inputs.runs.length > 0 ? `${inputs.runs.length} run(s)` : '',
    inputs.compares.length > 0 ? `${inputs.compares.length} comparison(s)` : '',
  ].filter(Boolean);
  const subtitle =
    `Workload(s): ${workloads.join(', ')}; mode(s): ${modes.join(', ')}; ${counts.join(', ')}` +
    (opts.generatedAt ? `; generated ${opts.generatedAt.toISOString()}` : '');
  return renderPage({ title, subtitle, blocks });
}
