import type { CompareResults } from '../metrics/compare-results.js';
import type { RunResults } from '../metrics/results.js';
import { ReportError } from './errors.js';

export type ReportInput = RunResults | CompareResults;

/** A run with the label its lines carry in every chart. */
export interface LabelledRun {
  series: string;
  run: RunResults;
}

export interface SplitInputs {
  runs: LabelledRun[];
  compares: CompareResults[];
}

/** Modes in the order DESIGN.md introduces them; unknown modes sort after, by name. */
const MODE_ORDER = ['native', 'logdirty', 'rfr', 'wfp', 'dbit', 'pml'];

export function compareModes(a: string, b: string): number {
  const rank = (m: string): number => {
    const i = MODE_ORDER.indexOf(m);
    return i < 0 ? MODE_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

export function isCompare(input: ReportInput): input is CompareResults {
  return (input as { kind?: unknown }).kind === 'compare';
}

function checkRun(run: RunResults, where: string): void {
  if (run.version !== 1) {
    throw new ReportError('REPORT_BAD_INPUT', `report ${where}: results version ${String(run.version)} is not 1`);
  }
  if (!Array.isArray(run.epochLog) || typeof run.mode !== 'string' || typeof run.workload?.name !== 'string') {
    throw new ReportError('REPORT_BAD_INPUT', `report ${where}: not a RunResults (mode, workload.name, epochLog)`);
  }
}

function checkCompare(cmp: CompareResults, where: string): void {
  if (cmp.version !== 1 || !Array.isArray(cmp.rows)) {
    throw new ReportError('REPORT_BAD_INPUT', `report ${where}: not a version 1 CompareResults with rows`);
  }
}

/**
 * Validates the inputs and names each run's series: the mode alone when every run has
 * the same workload (the usual one-workload report), else workload/mode.
 */
export function splitInputs(inputs: ReportInput[]): SplitInputs {
  if (inputs.length === 0) {
    throw new ReportError('REPORT_BAD_INPUT', 'report: no results given');
  }
  const runs: RunResults[] = [];
  const compares: CompareResults[] = [];
  inputs.forEach((input, i) => {
    if (isCompare(input)) {
      checkCompare(input, `input ${i}`);
      compares.push(input);
      (input.runs ?? []).forEach((run, j) => checkRun(run, `input ${i} run ${j}`));
      runs.push(...(input.runs ?? []));
    } else {
      checkRun(input, `input ${i}`);
      runs.push(input);
    }
  });
  const oneWorkload = new Set(runs.map((r) => r.workload.name)).size <= 1;
  const seen = new Map<string, number>();
  const labelled = runs.map((run) => {
    const base = oneWorkload ? run.mode : `${run.workload.name}/${run.mode}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    // Repeats of the same workload and mode stay apart as base, base#2, ...
    return { series: n === 1 ? base : `${base}#${n}`, run };
  });
  labelled.sort(
    (a, b) =>
      a.run.workload.name.localeCompare(b.run.workload.name) ||
      compareModes(a.run.mode, b.run.mode) ||
      a.series.localeCompare(b.series),
  );
  return { runs: labelled, compares };
}
