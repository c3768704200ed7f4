import { join } from 'node:path';
import { defaultRunReportPath, RESULTS_DIR } from '../report/paths.js';
import { ConfigError } from '../base/errors.js';
import { QUIET_FLAG, REPORT_FLAG } from './common-flags.js';
import type { FlagTable } from './flags.js';

/** `hbft run` flags that add outputs and never change what the run does. */
export const RUN_OUTPUT_FLAGS = {
  report: { ...REPORT_FLAG, help: 'an HTML report of the run (docs/reports.md); alone, results/run-<workload>-<mode>.html' },
  'hdr-log': { type: 'string', value: 'PATH', default: 'none', help: 'HdrHistogram interval log, one histogram per second per metric (pause, quiesce, copy, faultService)' },
  'cpu-prof': { type: 'string', value: 'DIR', optionalValue: true, default: 'none', help: `one .cpuprofile per thread (vcpu-0, tracker, checkpointer, main) in DIR (alone, ${join(RESULTS_DIR, 'profiles')}; docs/profiling.md)` },
  quiet: { ...QUIET_FLAG, help: 'no progress bar (it only shows on a terminal, on stderr)' },
} as const satisfies FlagTable;

/** Flags whose value may be left out (`--report` alone takes the default path). */
export const OPTIONAL_VALUE_FLAGS: readonly string[] = Object.entries(RUN_OUTPUT_FLAGS)
  .filter(([, f]) => 'optionalValue' in f && f.optionalValue)
  .map(([name]) => `--${name}`);

export const DEFAULT_CPU_PROF_DIR = join(RESULTS_DIR, 'profiles');
/** One interval log line per metric per second (HdrHistogram's usual interval). */
export const HDR_INTERVAL_MS = 1000;

export interface RunOutputs {
  readonly report: string | null;
  readonly hdrLog: string | null;
  readonly cpuProfDir: string | null;
  readonly quiet: boolean;
}

export type RunOutputFlagValues = {
  report?: string; 'hdr-log'?: string; 'cpu-prof'?: string; quiet?: boolean;
};

export function resolveRunOutputs(v: RunOutputFlagValues, workload: string, mode: string): RunOutputs {
  if (v['hdr-log'] === '') throw new ConfigError('--hdr-log', 'needs a file path');
  return {
    report: v.report === undefined ? null : v.report === '' ? defaultRunReportPath(workload, mode) : v.report,
    hdrLog: v['hdr-log'] ?? null,
    cpuProfDir: v['cpu-prof'] === undefined ? null : v['cpu-prof'] === '' ? DEFAULT_CPU_PROF_DIR : v['cpu-prof'],
    quiet: v.quiet ?? false,
  };
}
