import type { CompareResults, CompareRow } from '../metrics/compare-results.js';
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
  const groups = new Map<string, { workload: string; mode: string; rows: CompareRow[] }>();
  for (const r of compares.flatMap((c) => c.rows)) {
    const key = JSON.stringify([r.workload, r.mode]);
    const group = groups.get(key) ?? { workload: r.workload, mode: r.mode, rows: [] };
    group.rows.push(r);
    groups.set(key, group);
  }
  if (groups.size === 0) return '';
  const lines = [...groups.values()]
    .sort((a, b) => a.workload.localeCompare(b.workload) || compareModes(a.mode, b.mode))
    .map(({ workload, mode, rows }) => {
      const avg = (pick: (r: CompareRow) => number): number => mean(rows.map(pick));
      const normalized = rows.flatMap((r) => (r.normalized === null ? [] : [r.normalized]));
      return [
        workload, mode, rows.length, normalized.length > 0 ? mean(normalized) : null, avg((r) => r.opsPerSec),
        avg((r) => r.pauseP50Us), avg((r) => r.pauseP99Us), avg((r) => r.readFaultsPerEpoch),
        avg((r) => r.writeFaultsPerEpoch), avg((r) => r.dirtyPagesPerEpoch),
      ];
    });
  return ['<h2>Comparison (mean over repeats)</h2>', htmlTable(COMPARE_HEADERS, lines)].join('\n');
}
