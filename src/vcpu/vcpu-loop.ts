import type { GuestMemory, Workload, WorkloadParams } from '../guest/workloads/define.js';
import {
  CTRL_F64_DEADLINE, CTRL_FINISHED, CTRL_GLOBAL_WORDS, CTRL_PARKED, CTRL_REQ, CTRL_RESUME_SEQ, CTX_OPS_DONE, REQ_PAUSE,
  REQ_STOP, VCPU_PARKED_LATE_US, VCPU_STATE, VcpuState, vcpuWord,
} from '../vm/layout.js';
import { letTrackerSleep } from '../tracking/tracker-loop.js';
import { StepSizer } from './step-sizer.js';

export interface VcpuRun {
  readonly ctrl: Int32Array;
  readonly vcpu: number;
  /** The whole context; the workload owns regs, a view of its tail. */
  readonly ctx: Float64Array;
  readonly regs: Float64Array;
  readonly mem: GuestMemory;
  readonly workload: Workload;
  readonly params: WorkloadParams;
  /** Operations after which this vCPU finishes (Infinity: until REQ_STOP). */
  readonly opsLimit: number;
  /** Deterministic mode: park after this many operations per epoch (Infinity: timer epochs). */
  readonly epochOps: number;
  /** Most operations per step: how often, at least, the vCPU looks at the pause flag. */
  readonly stepOps: number;
  /** Clock in ms for step sizing and the epoch deadline; steps keep their full size
   * and only a pause request parks the vCPU without one. */
  readonly now?: () => number;
  /** now() + wallOffset is wall-clock ms, the epoch deadline's clock (performance.timeOrigin). */
  readonly wallOffset?: number;
  /** vCPUs of the guest: the last to park lets the tracker sleep (unknown: the checkpointer does). */
  readonly vcpus?: number;
  /** Called when the vCPU leaves its first park, i.e. when the guest starts running. */
  readonly onStart?: () => void;
  /**
   * Run once, parked for epoch 0, before the guest starts: the thread's own start-up
   * work (its warm-up over scratch buffers, never guest RAM) then overlaps the initial
   * full copy instead of coming before it.
   */
  readonly whileHeld?: () => void;
  /** Called after every step (every stepOps operations), never inside one: the place for
   * per-second bookkeeping (rotating interval histograms) off the fault path. */
  readonly onStep?: () => void;
  /**
   * Called by the last vCPU to park, parked, with the RESUME_SEQ it waits to see change:
   * its thread holds a CPU the pause can use (it copies, see parallel-copy.ts) and
   * returns by the resume at the latest.
   */
  readonly whileParked?: (resumeSeq: number) => void;
}

/**
 * Park at a step boundary until the checkpointer resumes us. RESUME_SEQ is read before
 * PARKED is bumped: the checkpointer can bump RESUME_SEQ only after seeing our PARKED,
 * so we cannot miss the resume.
 */
export function park(
  ctrl: Int32Array, vcpu: number, vcpus = Infinity, whileParked?: (resumeSeq: number) => void, whileHeld?: () => void,
): void {
  const seq = Atomics.load(ctrl, CTRL_RESUME_SEQ);
  // Read before our bump: the last to park sees every other vCPU counted.
  const last = Atomics.load(ctrl, CTRL_PARKED) + 1 >= vcpus;
  markParked(ctrl, vcpu, vcpus);
  if (last && whileParked !== undefined) whileParked(seq);
  whileHeld?.();
  while (Atomics.load(ctrl, CTRL_RESUME_SEQ) === seq) Atomics.wait(ctrl, CTRL_RESUME_SEQ, seq);
  Atomics.store(ctrl, vcpuWord(vcpu, VCPU_STATE), VcpuState.Running);
}

/**
 * The first half of park: state Paused, then the PARKED bump the checkpointer waits for.
 * The single-threaded twin's scripted vCPUs stop here, without waiting for the resume.
 */
export function markParked(ctrl: Int32Array, vcpu: number, vcpus = Infinity): void {
  Atomics.store(ctrl, vcpuWord(vcpu, VCPU_STATE), VcpuState.Paused);
  // The last vCPU to park (finished ones count) lets the tracker sleep at once, before
  // the checkpointer has even woken: the guest is still, and the pause needs the cores.
  // Before our PARKED bump, so it cannot land after the next resume's wakeTracker.
  if (Atomics.load(ctrl, CTRL_PARKED) + 1 >= vcpus) letTrackerSleep(ctrl);
  Atomics.add(ctrl, CTRL_PARKED, 1);
  Atomics.notify(ctrl, CTRL_PARKED);
}

/** The vCPU is done for good; it counts as parked from now on. */
export function finish(ctrl: Int32Array, vcpu: number): void {
  Atomics.store(ctrl, vcpuWord(vcpu, VCPU_STATE), VcpuState.Finished);
  Atomics.add(ctrl, CTRL_FINISHED, 1);
  Atomics.notify(ctrl, CTRL_FINISHED);
  // Finished vCPUs count as parked, so a pause never waits for them.
  Atomics.add(ctrl, CTRL_PARKED, 1);
  Atomics.notify(ctrl, CTRL_PARKED);
}

/**
 * A vCPU's life: park once so the initial full copy sees the initialised guest, then run
 * workload steps, parking whenever a pause is requested or the epoch's operation quota
 * is used up, until the operation limit, REQ_STOP, or the workload's own end.
 */
export function runVcpu(r: VcpuRun): void {
  const { ctrl, vcpu, ctx, regs, mem, workload, params, opsLimit, epochOps, stepOps, onStep } = r;
  // The epoch deadline: written by the checkpointer only while we are parked.
  const deadline = new Float64Array(ctrl.buffer as SharedArrayBuffer, 0, CTRL_GLOBAL_WORDS >>> 1);
  const wallOffset = r.wallOffset ?? 0;
  park(ctrl, vcpu, Infinity, undefined, r.whileHeld);
  r.onStart?.();
  let quota = epochOps;
  const sizer = new StepSizer(stepOps);
  const now = r.now;
  let late = -Infinity; // ms past the deadline at the end of the last step
  for (;;) {
    const req = Atomics.load(ctrl, CTRL_REQ);
    if ((req & REQ_STOP) !== 0) break;
    const done = ctx[CTX_OPS_DONE];
    if (done >= opsLimit) break;
    if ((req & REQ_PAUSE) !== 0 || quota === 0 || late >= 0) {
      Atomics.store(ctrl, vcpuWord(vcpu, VCPU_STATE), VcpuState.Parking);
      if (now !== undefined) late = now() + wallOffset - deadline[CTRL_F64_DEADLINE];
      // Plain store, published by park's Atomics.add on PARKED, which the checkpointer loads.
      ctrl[vcpuWord(vcpu, VCPU_PARKED_LATE_US)] = late > 0 ? Math.min(2 ** 31 - 1, Math.round(late * 1000)) : 0;
      park(ctrl, vcpu, r.vcpus, r.whileParked);
      late = -Infinity;
      if (quota === 0) quota = epochOps;
      continue;
    }
    const budget = Math.min(sizer.size, opsLimit - done, quota);
    const t0 = now === undefined ? 0 : now();
    const ran = workload.step(mem, regs, budget, params);
    if (now !== undefined) {
      const t1 = now();
      if (budget === sizer.size) sizer.took((t1 - t0) * 1000);
      // Past the epoch deadline: park at this step boundary without waiting to be asked.
      late = t1 + wallOffset - deadline[CTRL_F64_DEADLINE];
    }
    ctx[CTX_OPS_DONE] = done + ran;
    quota -= ran;
    if (ran < budget) break; // the workload has ended
    if (onStep !== undefined) onStep();
  }
  finish(ctrl, vcpu);
}
