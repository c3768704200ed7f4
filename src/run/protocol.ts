import type { MessagePort } from 'node:worker_threads';
import type { EpochImage } from '../epoch/epoch-image.js';
import type { CopyEngineName } from '../epoch/copy-engine.js';
import type { BackgroundCopyBuffers } from '../epoch/background-copy.js';
import type { VmBuffers } from '../vm/vm-buffers.js';
import type { ClosedInterval } from '../metrics/interval-histograms.js';
import type { EpochRecord } from '../metrics/results.js';
import type { Mode, TrackedMode } from '../tracking/policy.js';

export type WorkloadOptions = Readonly<Record<string, string | number | boolean>>;

/** `--hdr-log`: threads cut their histograms into intervals on this grid. */
export interface IntervalGrid {
  /** wall-clock ms (wallMs()) at which interval 0 starts */
  readonly runStartWallMs: number;
  readonly intervalMs: number;
}

/** Fields every thread's workerData carries for the optional outputs of a run. */
interface OutputData {
  /** `--cpu-prof`: the directory for this thread's `.cpuprofile`, or null */
  readonly cpuProf: string | null;
}

/** workerData of each thread role. */
export interface VcpuWorkerData extends OutputData {
  readonly role: 'vcpu';
  readonly vm: VmBuffers;
  readonly vcpu: number;
  readonly mode: Mode;
  readonly workload: string;
  readonly seed: number;
  readonly options: WorkloadOptions;
  readonly opsLimit: number;
  readonly epochOps: number;
  readonly stepOps: number;
  readonly spin: number;
  /** Inline fault path: this vCPU services its own faults. */
  readonly faultPath?: 'tracker' | 'inline';
  /** --exit-cost: µs of modelled VM exit and entry charged to this vCPU per fault (exit-port.ts). */
  readonly exitCostUs?: number;
  /** --verify: run the workload's own check at the end (GUPS copies its whole table). */
  readonly verify: boolean;
  /** Failover: contexts and RAM are already the committed image; skip init. */
  readonly restored: boolean;
  readonly intervals: IntervalGrid | null;
  /** The network device's input ring (server workloads), see net-device.ts. */
  readonly netDevice?: SharedArrayBuffer;
  /** Parked last, this vCPU's thread copies chunks of the pause copy into the mirror (parallel-copy.ts, helpWhileParked). */
  readonly pauseCopy?: { readonly board: SharedArrayBuffer; readonly mirror: SharedArrayBuffer; readonly copy: CopyEngineName };
  /** --copy-at background: a write fault copies its page into the mirror first (background-copy.ts). */
  readonly background?: BackgroundCopyBuffers;
}

export interface TrackerWorkerData extends OutputData {
  readonly role: 'tracker';
  readonly vm: VmBuffers;
  readonly mode: TrackedMode;
  readonly spin: number;
  /** Stand down after this long without a fault (default TRACKER_IDLE_MS; Infinity: only vCPUs that take faults back make idling safe). */
  readonly idleMs?: number;
  /** --copy-at background, as for the vCPUs. */
  readonly background?: BackgroundCopyBuffers;
}

export interface CheckpointerWorkerData extends OutputData {
  readonly role: 'checkpointer';
  readonly vm: VmBuffers;
  readonly mode: TrackedMode;
  readonly predictor: string;
  readonly copy: CopyEngineName;
  readonly copyThreads: number;
  /** Timer epochs (ms) or deterministic epochs (the vCPUs park on their quota). */
  readonly epochMs: number | null;
  readonly verify: boolean;
  readonly pauseTimeoutMs: number;
  /** Staging buffers come back on this port once the backup has applied them. */
  readonly stagingReturn: MessagePort;
  /** The in-process backup's RAM: copy each dirty page there in the pause, stage nothing (BackupLink.mirror). */
  readonly mirror: SharedArrayBuffer | null;
  /** The copy board the copiers share, made by main so the vCPUs can help too (null: the checkpointer makes its own). */
  readonly copyBoard: SharedArrayBuffer | null;
  readonly intervals: IntervalGrid | null;
  /** Unacked epochs allowed before the guest waits for the backup (Infinity: no bound). */
  readonly maxInFlight: number;
  readonly ackTimeoutMs: number;
  /** --copy-at background: the pause write-protects the dirty pages, which this thread copies after the resume. */
  readonly background?: BackgroundCopyBuffers;
}

/** Messages from threads to main: a closed union. */
export type ThreadMessage =
  | { readonly type: 'vcpu-started'; readonly vcpu: number; readonly at: number }
  | {
      readonly type: 'vcpu-done';
      readonly vcpu: number;
      readonly ops: number;
      readonly result: number;
      readonly verified: boolean | null;
      readonly startedAt: number;
      readonly finishedAt: number;
      readonly faultServiceHist: string;
    }
  | { readonly type: 'epoch'; readonly image: EpochImage; readonly record: EpochRecord }
  | { readonly type: 'checkpointer-done'; readonly pauseHist: string; readonly quiesceHist: string; readonly copyHist: string }
  /** `--hdr-log`: closed intervals, sent when a thread rotates its histograms */
  | { readonly type: 'hdr-intervals'; readonly intervals: readonly ClosedInterval[] }
  /** A guest reply produced while CTRL_EPOCH was `epoch`: released when that epoch is acked. */
  | { readonly type: 'guest-output'; readonly epoch: number; readonly conn: number; readonly text: string };

/** Wall-clock ms shared by all threads (each thread's performance.now() has its own origin). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
