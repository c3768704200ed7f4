import type { GuestMemory } from '../../vm/guest-memory.js';

export type { GuestMemory };

/** What a workload knows of its vCPU and VM. */
export interface WorkloadParams {
  readonly vcpu: number;
  readonly vcpus: number;
  readonly guestBytes: number;
  /** This vCPU's own partition of guest RAM: base and length in bytes, page-aligned. */
  readonly regionBase: number;
  readonly regionBytes: number;
  readonly seed: number;
  /** Workload-specific options from the CLI (e.g. the trace path). */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** The network device, for server workloads (kvserver); absent elsewhere. */
  readonly io?: GuestIo;
}

/**
 * A guest's network device. Requests are input (not guest state); replies are output,
 * held by the primary until the epoch that produced them is acked (output commit).
 */
export interface GuestIo {
  /** Next request entry into out (REQUEST_WORDS, kv-device.ts); false when none came in ~1 ms. */
  poll(out: Int32Array): boolean;
  /** The reply to one request, in RESP2 wire form, one char per byte (latin1). */
  reply(conn: number, text: string): void;
}

/**
 * A workload keeps all of its state in guest RAM and in its registers (`regs`, the
 * workload's part of the vCPU context), so it can be paused after any step, checkpointed
 * and resumed on the backup (docs/design.md, Workloads).
 */
export interface Workload {
  readonly name: string;
  /** What one operation is, for --ops and --epoch-ops (e.g. "one table update"). */
  readonly op: string;
  /** Lay out the initial guest state; runs before epoch 0, untracked. */
  init(mem: GuestMemory, regs: Float64Array, params: WorkloadParams): void;
  /** Run at most `budget` operations; return how many ran (fewer only when finished). */
  step(mem: GuestMemory, regs: Float64Array, budget: number, params: WorkloadParams): number;
  /** A uint32 checksum of this vCPU's outcome, compared with an unchecked reference run. */
  result(mem: GuestMemory, regs: Float64Array, params: WorkloadParams): number;
  /** The workload's own check of its outcome (GUPS verification), where it has one. */
  verify?(mem: GuestMemory, regs: Float64Array, params: WorkloadParams): boolean;
}

export function defineWorkload(w: Workload): Workload {
  for (const key of ['init', 'step', 'result'] as const) {
    if (typeof w[key] !== 'function') throw new TypeError(`defineWorkload ${w.name}: ${key} must be a function`);
  }
  return w;
}
