import { join } from 'node:path';
import { defaultRunReportPath, RESULTS_DIR } from '../report/paths.js';
import { ConfigError } from './config-error.js';

/** `hbft run` flags that add outputs and never change what the run does. */
export const RUN_OUTPUT_FLAGS = {
  report: { type: 'string' },
  'hdr-log': { type: 'string' },
  'cpu-prof': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** Flags whose value may be left out (`--report` alone takes the default path). */
export const OPTIONAL_VALUE_FLAGS = ['--report', '--cpu-prof'] as const;

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
