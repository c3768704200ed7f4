import type { CompareResults } from '../metrics/compare-results.js';
import type { RunResults } from '../metrics/results.js';
import { ReportError } from './errors.js';
import { compareModes, configNameOfRun } from './modes.js';

export type ReportInput = RunResults | CompareResults;

/** A run with the label its lines carry in every chart. */
export interface LabelledRun {
  series: string;
  /** the compare configuration it ran (`all`, not its tracking mode `wfp`) */
  config: string;
  /** `compare`: one run of a sweep, charted per mode; `run`: a results file of its own */
  origin: 'run' | 'compare';
  run: RunResults;
}

export interface SplitInputs {
  runs: LabelledRun[];
  compares: CompareResults[];
}

export { compareModes } from './modes.js';

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
  const runs: Omit<LabelledRun, 'series'>[] = [];
  const compares: CompareResults[] = [];
  inputs.forEach((input, i) => {
    if (isCompare(input)) {
      checkCompare(input, `input ${i}`);
      compares.push(input);
      const sweepRuns = input.runs ?? [];
      if (sweepRuns.length > 0 && sweepRuns.length !== input.rows.length) {
        throw new ReportError('REPORT_BAD_INPUT', `report input ${i}: ${sweepRuns.length} runs for ${input.rows.length} rows`);
      }
      sweepRuns.forEach((run, j) => {
        checkRun(run, `input ${i} run ${j}`);
        // runs[j] is the run behind rows[j]: the row has the configuration's own name
        runs.push({ config: input.rows[j]?.mode ?? run.mode, origin: 'compare', run });
      });
    } else {
      checkRun(input, `input ${i}`);
      runs.push({ config: configNameOfRun(input.mode, input.config?.copy, input.config?.copyAt), origin: 'run', run: input });
    }
  });
  const oneWorkload = new Set(runs.map((r) => r.run.workload.name)).size <= 1;
  const seen = new Map<string, number>();
  const labelled = runs.map((r): LabelledRun => {
    const base = oneWorkload ? r.config : `${r.run.workload.name}/${r.config}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    // Repeats of the same workload and configuration stay apart as base, base#2, ...
    return { series: n === 1 ? base : `${base}#${n}`, ...r };
  });
  labelled.sort(
    (a, b) =>
      a.run.workload.name.localeCompare(b.run.workload.name) ||
      compareModes(a.config, b.config) ||
      a.series.localeCompare(b.series, 'en', { numeric: true }),
  );
  return { runs: labelled, compares };
}
