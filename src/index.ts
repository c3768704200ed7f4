// The package entry (`import { defineWorkload } from 'hbft-emu'`): what a custom workload
// module needs, and the results types for tools that read hbft's JSON.
export { defineWorkload } from './workloads/define.js';
export type { GuestMemory, Workload, WorkloadParams } from './workloads/define.js';
export type { RunResults, EpochRecord, LatencySummary, PercentilePoint } from './metrics/results.js';
export type { CompareResults, CompareRow } from './metrics/compare-results.js';
export { writeReport, loadResultsFile } from './report/write-report.js';
