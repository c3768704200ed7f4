// The resolved run configuration: what every layer above the CLI is handed, with its
// defaults in one constant. The CLI (src/cli/config.ts) validates flags into it.
import type { CopyEngineName } from '../epoch/copy-engine.js';
import type { Mode } from '../tracking/policy.js';

/** Every option of a run, validated and filled: inner code never sees undefined. */
export interface ResolvedConfig {
  readonly workload: string;
  readonly mode: Mode;
  readonly vcpus: number;
  readonly memBytes: number;
  readonly pages: number;
  /** Exactly one of epochMs and epochOps is set. */
  readonly epochMs: number | null;
  readonly epochOps: number | null;
  /** Exactly one of durationMs and opsPerVcpu is set. */
  readonly durationMs: number | null;
  readonly opsPerVcpu: number | null;
  readonly seed: number;
  readonly verify: boolean;
  readonly json: string | null;
  readonly stepOps: number;
  readonly spin: number;
  /** Who services a fault: the tracker thread, or the faulting vCPU itself (see FAULT_PATHS). */
  readonly faultPath: FaultPath;
  /** Modelled VM exit and entry, µs, charged to the faulting vCPU on every fault (0: none). */
  readonly exitCostUs: number;
  readonly copy: CopyEngineName;
  /** Copier threads that share large pause copies with the checkpointer (0: it copies alone). */
  readonly copyThreads: number;
  /** When the dirty pages are copied: in the pause, or after it while the guest runs (see COPY_AT). */
  readonly copyAt: CopyAt;
  readonly predictor: string;
  readonly pauseTimeoutMs: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

export const RUN_DEFAULTS = {
  workload: 'seqwrite',
  mode: 'logdirty' as Mode,
  vcpus: 1,
  mem: '256MiB',
  epochMs: 25, // Remus' 40 checkpoints per second
  durationMs: 5000,
  seed: 1,
  stepOps: 1024,
  copy: 'per-page' as CopyEngineName,
  // Measured best (throughput on gups, hotcold, kv; bench/README.md, The wfp pause): a wasted grant
  // costs a D-bit check at the checkpoint, a miss costs a fault, so over-predicting pays.
  predictor: 'history:16:1',
  pauseTimeoutMs: 5000,
  /** A faulting vCPU's spin for the tracker's answer when the busy threads fit the cores,
   * before it takes the fault back: about 2 us here (about 10 ns an iteration); the awake
   * tracker answers in well under 1 us. */
  spinWhenFree: 200,
} as const;

/** `--fault-path`: the tracker thread (the design's fault handler) or the faulting vCPU. */
export const FAULT_PATHS = ['tracker', 'inline'] as const;
export type FaultPath = (typeof FAULT_PATHS)[number];

/**
 * `--copy-at`: pause (Remus: the vCPUs stay parked while every dirty page is copied) or
 * background (copy-before-write, as QEMU's background snapshot: the pause write-protects
 * the dirty pages, the guest resumes, and each page is copied before its first write).
 */
export const COPY_AT = ['pause', 'background'] as const;
export type CopyAt = (typeof COPY_AT)[number];

/** `--opt all`: the paper's full configuration (rfr + wfp + software superpage). */
export const OPT_PRESETS: Readonly<Record<string, { mode: Mode; copy: CopyEngineName }>> = {
  all: { mode: 'wfp', copy: 'superpage' },
};
