// The package entry (`import { defineWorkload } from 'hbft-emu'`): what a custom workload
// module needs, and the results types for tools that read hbft's JSON. It stays light:
// vCPU threads load it with the workload, so the report renderer is `hbft-emu/report`.
export { defineWorkload } from './guest/workloads/define.js';
export type { GuestMemory, Workload, WorkloadParams } from './guest/workloads/define.js';
export type { RunResults, EpochRecord, LatencySummary, PercentilePoint } from './metrics/results.js';
export type { CompareResults, CompareRow } from './metrics/compare-results.js';
