import type { CompareResults, CompareShard, CompareSweep } from '../metrics/compare-results.js';
import type { Spread, SummaryRow } from './aggregate.js';
import { NATIVE } from './configs.js';
import { round } from './rows.js';

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes. */
export function csvEscape(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

const CSV_HEADER = [
  'workload', 'mode', 'tracking_mode', 'copy', 'repeats',
  'ops_per_sec_median', 'ops_per_sec_min', 'ops_per_sec_max',
  'vs_native_median', 'vs_native_min', 'vs_native_max',
  'vs_logdirty_median', 'vs_logdirty_min', 'vs_logdirty_max',
  'gain_name', 'gain_over', 'gain_median', 'gain_min', 'gain_max',
  'read_faults_per_epoch', 'write_faults_per_epoch', 'dirty_pages_per_epoch', 'pause_p50_us', 'pause_p99_us',
];

/** One line per workload and configuration; an empty cell where a ratio has no base. */
export function toCsv(summary: readonly SummaryRow[]): string {
  const cells = (s: Spread | null, show: (x: number) => string): string[] => (s === null ? ['', '', ''] : [s.median, s.min, s.max].map(show));
  // ratios keep 4 significant digits, so a slowdown to 1e-5 of native stays visible
  const sig4 = (x: number): string => String(Number(x.toPrecision(4)));
  const whole = (x: number): string => String(Math.round(x));
  const lines = summary.map((r) => [
    r.workload, r.mode, r.trackingMode, r.copy, String(r.repeats),
    ...cells(r.opsPerSec, whole), ...cells(r.normalized, sig4), ...cells(r.speedup, sig4),
    r.gain?.name ?? '', r.gain?.over ?? '', ...cells(r.gain?.value ?? null, sig4),
    ...[r.readFaultsPerEpoch, r.writeFaultsPerEpoch, r.dirtyPagesPerEpoch].map((x) => String(round(x, 2))),
    String(r.pauseP50Us), String(r.pauseP99Us),
  ].map(csvEscape).join(','));
  return [CSV_HEADER.join(','), ...lines].join('\n') + '\n';
}

const MD_HEADER = [
  'workload', 'mode', 'runs', 'vs native', 'vs logdirty', 'gain alone',
  'read faults/epoch', 'write faults/epoch', 'dirty pages/epoch', 'pause p50 µs', 'pause p99 µs', 'ops/s',
];
/** columns that hold numbers, right-aligned */
const MD_NUMERIC = new Set(MD_HEADER.slice(2));

/** The table alone: what `hbft compare` prints and NAME.md holds. */
export function markdownTable(summary: readonly SummaryRow[]): string {
  const rows = summary.map((r) => {
    const untracked = r.trackingMode === NATIVE;
    const tracked = (x: number): string => (untracked ? '-' : count(x));
    return [
      r.workload, r.mode, String(r.repeats),
      ratio(r.normalized, ''), ratio(r.speedup, 'x'),
      r.gain === null ? '-' : `${r.gain.name} ${ratio(r.gain.value, 'x')}`,
      tracked(r.readFaultsPerEpoch), tracked(r.writeFaultsPerEpoch), tracked(r.dirtyPagesPerEpoch),
      tracked(r.pauseP50Us), tracked(r.pauseP99Us), count(r.opsPerSec.median),
    ].map((c) => c.replace(/\|/g, '\\|'));
  });
  const widths = MD_HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (MD_NUMERIC.has(MD_HEADER[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (MD_NUMERIC.has(MD_HEADER[i]) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(MD_HEADER), rule, ...rows.map(line)].join('\n');
}

/** NAME.md: what ran, the table, and how to read it. */
export function toMarkdown(results: CompareResults, summary: readonly SummaryRow[]): string {
  return [
    '# hbft compare',
    '',
    describeSweep(results.sweep, results.shard),
    '',
    markdownTable(summary),
    '',
    'Ratios are taken per repeat between runs of the same workload that ran side by side,',
    'then summarized as the median over repeats, with (min–max) when repeats differ.',
    '*vs native*: throughput / native; *vs logdirty*: throughput / logdirty (the Remus baseline);',
    '*gain alone*: the optimization this row adds over the configuration without it',
    '(rfr over logdirty, wfp over rfr, superpage = `all` over wfp), shown only when both ran.',
    'Per-epoch counts and pause times are medians over repeats.',
    '',
  ].join('\n');
}

export function describeSweep(s: CompareSweep, shard: CompareShard): string {
  const configs = s.configs.map((c) => (c.name === c.mode ? c.name : `${c.name} (${c.mode} + ${c.copy}${c.copyAt === undefined ? '' : `, copy at ${c.copyAt}`})`));
  return [
    `workloads: ${s.workloads.join(', ')}; modes: ${configs.join(', ')};`,
    `repeat ${s.repeat}, duration ${s.durationMs} ms, epoch ${s.epochMs} ms, mem ${s.memBytes / 2 ** 20} MiB,`,
    `${s.vcpus} vCPU${s.vcpus === 1 ? '' : 's'}, seed ${s.seed}${shard.count > 1 ? `; shard ${shard.index}/${shard.count} (partial)` : ''}`,
  ].join(' ');
}

function ratio(s: Spread | null, suffix: string): string {
  if (s === null) return '-';
  // two decimals, or two significant digits below 0.1 so that a tiny ratio is not 0.00
  const f = (x: number): string => (Math.abs(x) >= 0.1 || x === 0 ? x.toFixed(2) : x.toPrecision(2));
  return s.n > 1 && f(s.min) !== f(s.max) ? `${f(s.median)}${suffix} (${f(s.min)}–${f(s.max)})` : `${f(s.median)}${suffix}`;
}

function count(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : String(round(x, 1));
}
