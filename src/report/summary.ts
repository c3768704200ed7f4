import type { CompareResults } from '../metrics/compare-results.js';
import { htmlTable } from './html.js';
import { compareModes, type LabelledRun } from './input.js';

const RUN_HEADERS = [
  'run', 'workload', 'epochs', 'duration (s)', 'ops/s', 'pause p50 (µs)', 'pause p99 (µs)',
  'pause max (µs)', 'read faults', 'write faults', 'dirty pages/epoch', 'verified', 'backup consistent',
];
const MS_PER_S = 1000;

export function runSummaryHtml(runs: LabelledRun[]): string {
  if (runs.length === 0) return '';
  const rows = runs.map(({ series, run }) => [
    series, run.workload.name, run.epochs, run.durationMs / MS_PER_S, run.throughput.opsPerSec,
    run.pauseUs.p50, run.pauseUs.p99, run.pauseUs.max, run.faults.read, run.faults.write,
    run.dirtyPages.perEpoch.mean, run.workload.verified, run.backup.consistent,
  ]);
  // Config columns: the union of keys, so a key one run lacks shows as a dash.
  const keys = [...new Set(runs.flatMap(({ run }) => Object.keys(run.config)))].sort();
  const configRows = runs.map(({ series, run }) => [series, ...keys.map((k) => run.config[k])]);
  return [
    '<h2>Runs</h2>',
    htmlTable(RUN_HEADERS, rows),
    '<h2>Configuration</h2>',
    htmlTable(['run', ...keys], configRows),
  ].join('\n');
}

const COMPARE_HEADERS = [
  'workload', 'mode', 'repeats', 'normalized', 'ops/s', 'pause p50 (µs)', 'pause p99 (µs)',
  'read faults/epoch', 'write faults/epoch', 'dirty pages/epoch',
];

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One line per workload and mode, averaged over repeats. */
export function compareSummaryHtml(compares: CompareResults[]): string {
  const rows = compares.flatMap((c) => c.rows);
  if (rows.length === 0) return '';
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = JSON.stringify([r.workload, r.mode]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines = [...groups.values()]
    .sort((a, b) => a[0]!.workload.localeCompare(b[0]!.workload) || compareModes(a[0]!.mode, b[0]!.mode))
    .map((g) => [
      g[0]!.workload, g[0]!.mode, g.length,
      mean(g.map((r) => r.normalized)), mean(g.map((r) => r.opsPerSec)),
      mean(g.map((r) => r.pauseP50Us)), mean(g.map((r) => r.pauseP99Us)),
      mean(g.map((r) => r.readFaultsPerEpoch)), mean(g.map((r) => r.writeFaultsPerEpoch)),
      mean(g.map((r) => r.dirtyPagesPerEpoch)),
    ]);
  return ['<h2>Comparison (mean over repeats)</h2>', htmlTable(COMPARE_HEADERS, lines)].join('\n');
}
