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
  /** Called after every step (every stepOps operations), never inside one: the place for
   * per-second bookkeeping (rotating interval histograms) off the fault path. */
  readonly onStep?: () => void;
}

/**
 * Park at a step boundary until the checkpointer resumes us. RESUME_SEQ is read before
 * PARKED is bumped: the checkpointer can bump RESUME_SEQ only after seeing our PARKED,
 * so we cannot miss the resume.
 */
export function park(ctrl: Int32Array, vcpu: number, vcpus = Infinity): void {
  const seq = Atomics.load(ctrl, CTRL_RESUME_SEQ);
  markParked(ctrl, vcpu, vcpus);
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

/** What a vCPU does at a step boundary. */
export const enum Boundary {
  Step = 0,
  Park = 1,
  Stop = 2,
}

/**
 * The decision at every step boundary: stop on REQ_STOP or at the operation limit (before
 * any park: a finished vCPU counts as parked), park on a pause request, an epoch quota
 * used up, or a step that ended past the epoch deadline (`late` >= 0 ms), else step.
 */
export function atBoundary(req: number, done: number, opsLimit: number, quota: number, late: number): Boundary {
  if ((req & REQ_STOP) !== 0 || done >= opsLimit) return Boundary.Stop;
  if ((req & REQ_PAUSE) !== 0 || quota === 0 || late >= 0) return Boundary.Park;
  return Boundary.Step;
}

/**
 * A vCPU's steps, one call to `next` per step boundary. V8 compiles `next` as a plain
 * function within milliseconds, and nothing in it is first reached at a park: it only
 * says Park, and runVcpu's short loop parks. (One long loop in runVcpu, steps and parks
 * inline, was compiled only on stack replacement, hundreds of ms in, and its first park,
 * a branch without type feedback, threw that code away: docs/design.md, Steps and parking.)
 */
export class VcpuLoop {
  private readonly ctrl: Int32Array;
  private readonly vcpu: number;
  private readonly ctx: Float64Array;
  private readonly regs: Float64Array;
  private readonly mem: GuestMemory;
  private readonly workload: Workload;
  private readonly params: WorkloadParams;
  private readonly opsLimit: number;
  private readonly epochOps: number;
  private readonly now: (() => number) | undefined;
  private readonly wallOffset: number;
  private readonly vcpus: number;
  private readonly onStep: (() => void) | undefined;
  /** The epoch deadline: written by the checkpointer only while we are parked. */
  private readonly deadline: Float64Array;
  private readonly sizer: StepSizer;
  private quota: number;
  /** ms past the deadline at the end of the last step (-Infinity: not timed). */
  private late = -Infinity;

  constructor(r: VcpuRun) {
    this.ctrl = r.ctrl;
    this.vcpu = r.vcpu;
    this.ctx = r.ctx;
    this.regs = r.regs;
    this.mem = r.mem;
    this.workload = r.workload;
    this.params = r.params;
    this.opsLimit = r.opsLimit;
    this.epochOps = r.epochOps;
    this.now = r.now;
    this.wallOffset = r.wallOffset ?? 0;
    this.vcpus = r.vcpus ?? Infinity;
    this.onStep = r.onStep;
    this.deadline = new Float64Array(r.ctrl.buffer as SharedArrayBuffer, 0, CTRL_GLOBAL_WORDS >>> 1);
    this.sizer = new StepSizer(r.stepOps);
    this.quota = r.epochOps;
  }

  /** At a step boundary: run one step and say Step, or say Park or Stop without one. */
  next(): Boundary {
    const ctx = this.ctx;
    const done = ctx[CTX_OPS_DONE];
    const what = atBoundary(Atomics.load(this.ctrl, CTRL_REQ), done, this.opsLimit, this.quota, this.late);
    if (what !== Boundary.Step) return what;
    const sizer = this.sizer;
    const now = this.now;
    const budget = Math.min(sizer.size, this.opsLimit - done, this.quota);
    const t0 = now === undefined ? 0 : now();
    const ran = this.workload.step(this.mem, this.regs, budget, this.params);
    if (now !== undefined) {
      const t1 = now();
      if (budget === sizer.size) sizer.took((t1 - t0) * 1000);
      // Past the epoch deadline: park at this step boundary without waiting to be asked.
      this.late = t1 + this.wallOffset - this.deadline[CTRL_F64_DEADLINE];
    }
    ctx[CTX_OPS_DONE] = done + ran;
    this.quota -= ran;
    if (ran < budget) return Boundary.Stop; // the workload has ended
    if (this.onStep !== undefined) this.onStep();
    return Boundary.Step;
  }

  /** Park at this step boundary (pause request, quota used up, or past the deadline) until resumed. */
  parkHere(): void {
    const ctrl = this.ctrl;
    const vcpu = this.vcpu;
    Atomics.store(ctrl, vcpuWord(vcpu, VCPU_STATE), VcpuState.Parking);
    if (this.now !== undefined) this.late = this.now() + this.wallOffset - this.deadline[CTRL_F64_DEADLINE];
    const late = this.late;
    // Plain store, published by park's Atomics.add on PARKED, which the checkpointer loads.
    ctrl[vcpuWord(vcpu, VCPU_PARKED_LATE_US)] = late > 0 ? Math.min(2 ** 31 - 1, Math.round(late * 1000)) : 0;
    park(ctrl, vcpu, this.vcpus);
    this.late = -Infinity;
    if (this.quota === 0) this.quota = this.epochOps;
  }
}

/**
 * A vCPU's life: park once so the initial full copy sees the initialised guest, then run
 * workload steps, parking whenever a pause is requested or the epoch's operation quota
 * is used up, until the operation limit, REQ_STOP, or the workload's own end.
 */
export function runVcpu(r: VcpuRun): void {
  const loop = new VcpuLoop(r);
  park(r.ctrl, r.vcpu);
  r.onStart?.();
  for (let what; (what = loop.next()) !== Boundary.Stop; ) if (what === Boundary.Park) loop.parkHere();
  finish(r.ctrl, r.vcpu);
}
