// The one launcher of a guest's threads (docs/design.md, Architecture), for a primary
// run (runVm) and a failover (resumeGuest): spawn the vCPUs (and, when checkpointing,
// the tracker and the checkpointer), release the guest once it is ready, stop it when
// its duration is up, and stop the tracker once the vCPUs and the checkpointer are done.
import type { Transferable } from 'node:worker_threads';
import { resumeAll, waitAllParkedAsync } from '../epoch/pause.js';
import { CTRL_REQ, REQ_STOP } from '../vm/layout.js';
import type { VmBuffers } from '../vm/vm-buffers.js';
import { stopTracker } from '../tracking/tracker-loop.js';
import type { CheckpointerWorkerData, ThreadMessage, TrackerWorkerData, VcpuWorkerData } from './protocol.js';
import { ThreadSet } from './threads.js';

export type VcpuDone = Extract<ThreadMessage, { type: 'vcpu-done' }>;
export type CheckpointerDone = Extract<ThreadMessage, { type: 'checkpointer-done' }>;

/** What every vCPU gets as workerData, but for its role, the buffers and its index. */
export type VcpuPlan = Omit<VcpuWorkerData, 'role' | 'vm' | 'vcpu'>;

export interface Checkpointing {
  /** null: inline faults, each vCPU is its own fault handler and there is no tracker thread. */
  readonly tracker: TrackerWorkerData | null;
  readonly checkpointer: CheckpointerWorkerData;
  /** Ports in the checkpointer's workerData, moved to its thread. */
  readonly transfer: Transferable[];
}

export interface VmPlan {
  readonly buffers: VmBuffers;
  readonly vcpu: VcpuPlan;
  /** REQ_STOP this long after the guest starts (the first vCPU leaves its first park), or null. */
  readonly durationMs: number | null;
  /**
   * The checkpointer releases the vCPUs once the backup has epoch 0 (the initial hold).
   * null: nothing checkpoints, and the launcher releases them once all have parked.
   */
  readonly checkpointing: Checkpointing | null;
}

export interface VmEvents {
  /** Every thread message, after the launcher has taken what it keeps. */
  onMessage(m: ThreadMessage): void;
  /** A thread failed: the guest is already told to stop. */
  onFail?(): void;
}

/** A launched guest: its threads, and what they reported when done. */
export class Vm {
  /** By vCPU index, filled in any order. */
  readonly vcpuDone: VcpuDone[] = [];
  checkpointerDone: CheckpointerDone | null = null;
  /** Date.now() when the launcher released the vCPUs; null when the checkpointer does. */
  runningAt: number | null = null;
  private readonly ctrl: Int32Array;
  private readonly threads: ThreadSet;
  private stopTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly plan: VmPlan, private readonly events: VmEvents) {
    this.ctrl = new Int32Array(plan.buffers.ctrl);
    this.threads = new ThreadSet((_role, m) => this.take(m), () => this.failed());
  }

  static launch(plan: VmPlan, events: VmEvents): Vm {
    const vm = new Vm(plan, events);
    vm.spawn();
    return vm;
  }

  /** Resolves once every thread has exited cleanly; rejects, naming the thread, on the first failure. */
  whenAllExited(): Promise<void> {
    return this.threads.whenAllExited();
  }

  /** Ask every vCPU to finish at its next step boundary. */
  stop(): void {
    Atomics.or(this.ctrl, CTRL_REQ, REQ_STOP);
  }

  private spawn(): void {
    const { buffers, vcpu, checkpointing } = this.plan;
    for (let v = 0; v < buffers.vcpus; v++) {
      this.threads.spawn(`vcpu-${v}`, 'vcpu', { role: 'vcpu', vm: buffers, vcpu: v, ...vcpu } satisfies VcpuWorkerData);
    }
    if (checkpointing === null) {
      void this.releaseWhenParked();
      return;
    }
    if (checkpointing.tracker !== null) this.threads.spawn('tracker', 'tracker', checkpointing.tracker);
    this.threads.spawn('checkpointer', 'checkpointer', checkpointing.checkpointer, checkpointing.transfer);
  }

  /** Nothing checkpoints: release the vCPUs together once they have initialised (or restored) the guest. */
  private async releaseWhenParked(): Promise<void> {
    await waitAllParkedAsync(this.ctrl, this.plan.buffers.vcpus);
    this.runningAt = Date.now();
    resumeAll(this.ctrl);
  }

  private take(m: ThreadMessage): void {
    switch (m.type) {
      case 'vcpu-started':
        if (this.stopTimer === null && this.plan.durationMs !== null) {
          this.stopTimer = setTimeout(() => this.stop(), this.plan.durationMs);
        }
        break;
      case 'vcpu-done':
        this.vcpuDone[m.vcpu] = m;
        if (this.allVcpusDone()) {
          if (this.stopTimer !== null) clearTimeout(this.stopTimer);
          if (this.checkpointerDone !== null) stopTracker(this.ctrl);
        }
        break;
      case 'checkpointer-done':
        this.checkpointerDone = m;
        if (this.allVcpusDone()) stopTracker(this.ctrl);
        break;
    }
    this.events.onMessage(m);
  }

  private allVcpusDone(): boolean {
    return this.vcpuDone.filter(Boolean).length === this.plan.buffers.vcpus;
  }

  private failed(): void {
    this.stop();
    stopTracker(this.ctrl);
    if (this.stopTimer !== null) clearTimeout(this.stopTimer);
    this.events.onFail?.();
  }
}
