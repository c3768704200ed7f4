import type { CompareRow } from '../metrics/compare-results.js';
import { BASELINE, GAINS } from './configs.js';

/** The middle of a set of per-repeat values and its extent. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** One line of the compare table: a workload under a configuration, over its repeats. */
export interface SummaryRow {
  workload: string;
  mode: string;
  trackingMode: string;
  copy: string;
  repeats: number;
  opsPerSec: Spread;
  /** throughput over native; null without native */
  normalized: Spread | null;
  /** throughput over logdirty; null without logdirty */
  speedup: Spread | null;
  /** the gain of the optimization this configuration adds; null unless both it and its base ran */
  gain: { name: string; over: string; value: Spread } | null;
  readFaultsPerEpoch: number;
  writeFaultsPerEpoch: number;
  dirtyPagesPerEpoch: number;
  pauseP50Us: number;
  pauseP99Us: number;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/**
 * One line per (workload, configuration), in order of first appearance. Ratios are taken
 * per repeat, between runs that ran side by side, and then summarized over repeats.
 */
export function summarize(rows: readonly CompareRow[]): SummaryRow[] {
  const byKey = new Map<string, CompareRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.workload, r.mode]);
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const find = (workload: string, mode: string): CompareRow[] => byKey.get(JSON.stringify([workload, mode])) ?? [];
  return [...byKey.values()].map((group) => {
    const { workload, mode, trackingMode, copy } = group[0];
    const gainDef = GAINS.find((g) => g.config === mode);
    const gainValue = gainDef ? ratioOver(group, find(workload, gainDef.over)) : null;
    const med = (pick: (r: CompareRow) => number): number => spread(group.map(pick))?.median ?? 0;
    return {
      workload, mode, trackingMode, copy,
      repeats: group.length,
      opsPerSec: spread(group.map((r) => r.opsPerSec)) ?? { median: 0, min: 0, max: 0, n: 0 },
      normalized: spread(group.flatMap((r) => (r.normalized === null ? [] : [r.normalized]))),
      speedup: ratioOver(group, find(workload, BASELINE)),
      gain: gainDef && gainValue ? { name: gainDef.name, over: gainDef.over, value: gainValue } : null,
      readFaultsPerEpoch: med((r) => r.readFaultsPerEpoch),
      writeFaultsPerEpoch: med((r) => r.writeFaultsPerEpoch),
      dirtyPagesPerEpoch: med((r) => r.dirtyPagesPerEpoch),
      pauseP50Us: med((r) => r.pauseP50Us),
      pauseP99Us: med((r) => r.pauseP99Us),
    };
  });
}

/** Per-repeat throughput ratios of `rows` over `base` (same repeat only). */
function ratioOver(rows: readonly CompareRow[], base: readonly CompareRow[]): Spread | null {
  const baseByRepeat = new Map(base.map((b) => [b.repeat, b.opsPerSec]));
  return spread(rows.flatMap((r) => {
    const b = baseByRepeat.get(r.repeat);
    return b ? [r.opsPerSec / b] : [];
  }));
}
