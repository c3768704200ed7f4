import { summarize, type SummaryRow } from '../compare/aggregate.js';
import { BASELINE, NATIVE } from '../compare/configs.js';
import type { CompareResults } from '../metrics/compare-results.js';
import { detailsHtml, htmlTable } from './html.js';
import { compareModes } from './modes.js';
import type { LabelledRun } from './input.js';

const MS_PER_S = 1000;

const RUN_HEADERS = [
  'run', 'workload', 'mode', 'epochs', 'duration (s)', 'ops/s', 'pause p50 (µs)', 'pause p99 (µs)',
  'pause max (µs)', 'read faults', 'write faults', 'dirty pages/epoch', 'verified', 'backup consistent',
];

/** One line per run, named as in the charts. */
export function runTableHtml(runs: readonly LabelledRun[]): string {
  const rows = runs.map(({ series, config, run }) => [
    series, run.workload.name, config, run.epochs, run.durationMs / MS_PER_S, run.throughput.opsPerSec,
    run.pauseUs.p50, run.pauseUs.p99, run.pauseUs.max, run.faults.read, run.faults.write,
    run.dirtyPages.perEpoch.mean, run.workload.verified, run.backup.consistent,
  ]);
  return htmlTable(RUN_HEADERS, rows);
}

/** Config columns: the union of keys, so a key one run lacks shows as a dash. */
export function configTableHtml(runs: readonly LabelledRun[]): string {
  const keys = [...new Set(runs.flatMap(({ run }) => Object.keys(run.config)))].sort();
  return htmlTable(['run', ...keys], runs.map(({ series, run }) => [series, ...keys.map((k) => run.config[k])]));
}

const ANSWER_HEADERS = ['workload', 'best mode', 'throughput / native', `gain over ${BASELINE} (×)`, 'pause p99 (µs)'];

/** The sweep's rows summarized per workload and mode, in page order. */
export function compareSummary(compares: readonly CompareResults[]): SummaryRow[] {
  return summarize(compares.flatMap((c) => c.rows)).sort(
    (a, b) => workloadOrder(compares, a.workload, b.workload) || compareModes(a.mode, b.mode),
  );
}

/** Workloads in the order the sweep ran them. */
export function compareWorkloads(compares: readonly CompareResults[]): string[] {
  return [...new Set(compares.flatMap((c) => c.rows.map((r) => r.workload)))];
}

function workloadOrder(compares: readonly CompareResults[], a: string, b: string): number {
  const order = compareWorkloads(compares);
  return order.indexOf(a) - order.indexOf(b);
}

/**
 * The answer: per workload, the protected mode with the most throughput (medians over
 * repeats), what it keeps of native, what it gains over logdirty, and what it pauses.
 */
export function answerTableHtml(summary: readonly SummaryRow[]): string {
  const workloads = [...new Set(summary.map((s) => s.workload))];
  const rows = workloads.flatMap((w) => {
    const protectedRows = summary.filter((s) => s.workload === w && s.mode !== NATIVE);
    const best = protectedRows.reduce<SummaryRow | undefined>(
      (top, s) => (top === undefined || s.opsPerSec.median > top.opsPerSec.median ? s : top), undefined,
    );
    if (best === undefined) return [];
    return [[w, best.mode, best.normalized?.median ?? null, best.speedup?.median ?? null, best.pauseP99Us]];
  });
  if (rows.length === 0) return '';
  return ['<h2 id="answer">Best mode per workload</h2>', htmlTable(ANSWER_HEADERS, rows, 'summary answer')].join('\n');
}

const COMPARE_HEADERS = [
  'workload', 'mode', 'repeats', 'throughput / native', `vs ${BASELINE} (×)`, 'ops/s', 'pause p50 (µs)', 'pause p99 (µs)',
  'read faults/epoch', 'write faults/epoch', 'dirty pages/epoch',
];

/** One line per workload and mode, medians over repeats. */
export function compareTableHtml(summary: readonly SummaryRow[]): string {
  const rows = summary.map((s) => [
    s.workload, s.mode, s.repeats, s.normalized?.median ?? null, s.speedup?.median ?? null, s.opsPerSec.median,
    s.pauseP50Us, s.pauseP99Us, s.readFaultsPerEpoch, s.writeFaultsPerEpoch, s.dirtyPagesPerEpoch,
  ]);
  return htmlTable(COMPARE_HEADERS, rows);
}

/** The tables a page ends with, collapsed. */
export function detailTablesHtml(summary: readonly SummaryRow[], runs: readonly LabelledRun[]): string {
  return [
    summary.length > 0 ? detailsHtml(`Every workload and mode (${summary.length} lines, medians over repeats)`, compareTableHtml(summary)) : '',
    runs.length > 0 ? detailsHtml(`Runs (${runs.length})`, runTableHtml(runs)) : '',
    runs.length > 0 ? detailsHtml(`Configuration of each run (${runs.length})`, configTableHtml(runs)) : '',
  ].filter(Boolean).join('\n');
}
