import { compareRows, distributionRows, epochRows, faultRows } from './data.js';
import { renderPage } from './html.js';
import { compareModes, splitInputs, type ReportInput, type SplitInputs } from './input.js';
import {
  compareThroughputChart,
  epochTimelineChart,
  faultsChart,
  pauseDistributionChart,
  type ChartDef,
} from './specs.js';
import { compareSummaryHtml, runSummaryHtml } from './summary.js';
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

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** The charts the inputs support: run charts need runs, the bar chart needs compares. */
export function planCharts(inputs: SplitInputs): ChartDef[] {
  const charts: ChartDef[] = [];
  const { runs, compares } = inputs;
  if (runs.length > 0) {
    const series = runs.map((r) => r.series);
    const legend = unique(runs.map((r) => r.run.workload.name)).length > 1 ? 'run' : 'mode';
    charts.push(pauseDistributionChart(distributionRows(runs), series, legend));
    charts.push(epochTimelineChart(epochRows(runs), series, legend));
    charts.push(faultsChart(faultRows(runs), series));
  }
  const rows = compareRows(compares);
  if (rows.length > 0) {
    charts.push(compareThroughputChart(rows, unique(rows.map((r) => r.mode)).sort(compareModes)));
  }
  return charts;
}

function describe(inputs: SplitInputs): { workloads: string[]; modes: string[] } {
  const cmpRows = inputs.compares.flatMap((c) => c.rows);
  const workloads = unique([...inputs.runs.map((r) => r.run.workload.name), ...cmpRows.map((r) => r.workload)]);
  const modes = unique([...inputs.runs.map((r) => r.run.mode), ...cmpRows.map((r) => r.mode)]).sort(compareModes);
  return { workloads: workloads.sort(), modes };
}

/** Renders results into one self-contained HTML page: inline SVG charts, no scripts. */
export async function renderReport(results: ReportInput[], opts: ReportOptions = {}): Promise<string> {
  const inputs = splitInputs(results);
  const { workloads, modes } = describe(inputs);
  const charts = planCharts(inputs);
  const svgs: { id: string; title: string; svg: string }[] = [];
  // One at a time: each render holds a full vega dataflow in memory.
  for (const chart of charts) {
    svgs.push({ id: chart.id, title: chart.title, svg: await chartToSvg(chart) });
  }
  const title = opts.title ?? `hbft-emu report: ${workloads.join(', ')}`;
  const counts = [
    inputs.runs.length > 0 ? `${inputs.runs.length} run(s)` : '',
    inputs.compares.length > 0 ? `${inputs.compares.length} comparison(s)` : '',
  ].filter(Boolean);
  const subtitle =
    `Workload(s): ${workloads.join(', ')}; mode(s): ${modes.join(', ')}; ${counts.join(', ')}` +
    (opts.generatedAt ? `; generated ${opts.generatedAt.toISOString()}` : '');
  const summaryHtml = [runSummaryHtml(inputs.runs), compareSummaryHtml(inputs.compares)].join('\n');
  return renderPage({ title, subtitle, summaryHtml, charts: svgs });
}
