import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  CTRL_F64_DEADLINE, CTRL_FINISHED, CTRL_PARKED, CTRL_REQ, CTRL_RESUME_SEQ, CTX_OPS_DONE, CTX_SLOTS, CTX_WORKLOAD,
  REQ_PAUSE, REQ_STOP, VCPU_PARKED_LATE_US, VCPU_STATE, VcpuState, ctrlWords, vcpuWord,
} from '../../../src/vm/layout.js';
import { UntrackedMemory } from '../../../src/vm/access.js';
import { defineWorkload, type Workload, type WorkloadParams } from '../../../src/guest/workloads/define.js';
import { Boundary, VcpuLoop, atBoundary, runVcpu, type VcpuRun } from '../../../src/vcpu/vcpu-loop.js';

/** A workload that counts: regs[0] += each op; ends by itself after `end` operations. */
function counter(end = Infinity): { workload: Workload; budgets: number[] } {
  const budgets: number[] = [];
  const workload = defineWorkload({
    name: 'counter',
    op: 'one increment',
    init(_mem, regs) { regs[0] = 0; },
    step(_mem, regs, budget) {
      budgets.push(budget);
      const ran = Math.min(budget, end - regs[0]);
      regs[0] += ran;
      return ran;
    },
    result(_mem, regs) { return regs[0] >>> 0; },
  });
  return { workload, budgets };
}

function vcpuRun(workload: Workload, o: Partial<VcpuRun> = {}): VcpuRun {
  const ctrl = new Int32Array(new SharedArrayBuffer(ctrlWords(1) * 4));
  const ctx = new Float64Array(new SharedArrayBuffer(CTX_SLOTS * 8));
  const ram = new SharedArrayBuffer(4096);
  const mem = new UntrackedMemory({ ram8: new Uint8Array(ram), ram32: new Uint32Array(ram), ramF64: new Float64Array(ram) });
  const params: WorkloadParams = { vcpu: 0, vcpus: 1, guestBytes: 4096, regionBase: 0, regionBytes: 4096, seed: 1, options: {} };
  const regs = ctx.subarray(CTX_WORKLOAD);
  workload.init(mem, regs, params);
  return { ctrl, vcpu: 0, ctx, regs, mem, workload, params, opsLimit: Infinity, epochOps: Infinity, stepOps: 32, vcpus: 1, ...o };
}

describe('the decision at a step boundary', () => {
  it('stops before it parks, parks before it steps', () => {
    expect(atBoundary(0, 0, 10, 5, -Infinity)).toBe(Boundary.Step);
    expect(atBoundary(REQ_STOP, 0, 10, 5, -Infinity)).toBe(Boundary.Stop);
    expect(atBoundary(REQ_STOP | REQ_PAUSE, 0, 10, 0, 1)).toBe(Boundary.Stop);
    expect(atBoundary(REQ_PAUSE, 10, 10, 5, -Infinity)).toBe(Boundary.Stop); // the operation limit
    expect(atBoundary(REQ_PAUSE, 0, 10, 5, -Infinity)).toBe(Boundary.Park);
    expect(atBoundary(0, 0, 10, 0, -Infinity)).toBe(Boundary.Park); // the epoch's quota is used up
    expect(atBoundary(0, 0, 10, 5, 0)).toBe(Boundary.Park); // a step ended at the deadline
    expect(atBoundary(0, 0, 10, 5, -0.001)).toBe(Boundary.Step);
    expect(atBoundary(0, 0, Infinity, Infinity, -Infinity)).toBe(Boundary.Step);
  });
});

describe('VcpuLoop.next without threads', () => {
  it('steps within the step size and the quota, then says Park without a step', () => {
    const { workload, budgets } = counter();
    const r = vcpuRun(workload, { epochOps: 100, stepOps: 32 });
    const loop = new VcpuLoop(r);
    const seen: Boundary[] = [];
    for (let i = 0; i < 6; i++) seen.push(loop.next());
    expect(seen).toEqual([Boundary.Step, Boundary.Step, Boundary.Step, Boundary.Step, Boundary.Park, Boundary.Park]);
    expect(budgets).toEqual([32, 32, 32, 4]);
    expect(r.ctx[CTX_OPS_DONE]).toBe(100);
    expect(r.regs[0]).toBe(100);
  });

  it('says Stop at the operation limit, on REQ_STOP, and when the workload ends', () => {
    const limited = vcpuRun(counter().workload, { opsLimit: 40, stepOps: 32 });
    const a = new VcpuLoop(limited);
    expect([a.next(), a.next(), a.next()]).toEqual([Boundary.Step, Boundary.Step, Boundary.Stop]);
    expect(limited.ctx[CTX_OPS_DONE]).toBe(40);

    const stopped = vcpuRun(counter().workload);
    const b = new VcpuLoop(stopped);
    expect(b.next()).toBe(Boundary.Step);
    Atomics.or(stopped.ctrl, CTRL_REQ, REQ_STOP);
    expect(b.next()).toBe(Boundary.Stop);
    expect(stopped.ctx[CTX_OPS_DONE]).toBe(32);

    const ending = counter(50);
    const c = new VcpuLoop(vcpuRun(ending.workload, { stepOps: 32 }));
    expect([c.next(), c.next()]).toEqual([Boundary.Step, Boundary.Stop]);
    expect(ending.budgets).toEqual([32, 32]);
  });

  it('says Park on a pause request, and after a step that ended past the epoch deadline', () => {
    const paused = vcpuRun(counter().workload);
    const a = new VcpuLoop(paused);
    Atomics.or(paused.ctrl, CTRL_REQ, REQ_PAUSE);
    expect(a.next()).toBe(Boundary.Park);
    expect(paused.ctx[CTX_OPS_DONE]).toBe(0);

    let t = 1000;
    const timed = vcpuRun(counter().workload, { now: () => t, wallOffset: 0 });
    new Float64Array(timed.ctrl.buffer as SharedArrayBuffer)[CTRL_F64_DEADLINE] = 1010;
    const b = new VcpuLoop(timed);
    expect(b.next()).toBe(Boundary.Step);
    t = 1010;
    expect(b.next()).toBe(Boundary.Step); // this step ends at the deadline
    expect(b.next()).toBe(Boundary.Park);
  });
});

/**
 * A checkpointer stand-in on a real thread: each time the vCPU parks, record and resume
 * it, until it finishes; posts how many parks it saw.
 */
function startResumer(ctrl: Int32Array): Promise<number> {
  const w = new Worker(`
    const { workerData, parentPort } = require('node:worker_threads');
    const { ctrl, PARKED, FINISHED, RESUME_SEQ, REQ, REQ_PAUSE } = workerData;
    let parks = 0;
    for (;;) {
      const p = Atomics.load(ctrl, PARKED);
      if (Atomics.load(ctrl, FINISHED) >= 1) break;
      if (p < 1) { Atomics.wait(ctrl, PARKED, p, 1000); continue; }
      parks++;
      Atomics.and(ctrl, REQ, ~REQ_PAUSE);
      Atomics.store(ctrl, PARKED, 0);
      Atomics.add(ctrl, RESUME_SEQ, 1);
      Atomics.notify(ctrl, RESUME_SEQ);
    }
    parentPort.postMessage(parks);
  `, {
    eval: true,
    workerData: { ctrl, PARKED: CTRL_PARKED, FINISHED: CTRL_FINISHED, RESUME_SEQ: CTRL_RESUME_SEQ, REQ: CTRL_REQ, REQ_PAUSE },
  });
  return new Promise((resolve, reject) => {
    w.once('message', (n: number) => { resolve(n); void w.terminate(); });
    w.once('error', reject);
  });
}

describe('runVcpu with a resuming thread', () => {
  it('parks once at the start and once per epoch quota, runs exactly the operation limit, then finishes', async () => {
    const { workload, budgets } = counter();
    let started = 0;
    const r = vcpuRun(workload, { opsLimit: 250, epochOps: 100, stepOps: 32, onStart: () => started++ });
    const parks = startResumer(r.ctrl);
    runVcpu(r);
    expect(await parks).toBe(3); // the initial park, then after 100 and 200 operations
    expect(started).toBe(1);
    expect(r.ctx[CTX_OPS_DONE]).toBe(250);
    expect(Math.max(...budgets)).toBeLessThanOrEqual(32);
    expect(budgets.reduce((a, b) => a + b, 0)).toBe(250);
    expect(Atomics.load(r.ctrl, vcpuWord(0, VCPU_STATE))).toBe(VcpuState.Finished);
  });

  it('records how late it parked past the epoch deadline', async () => {
    let t = 0;
    const r = vcpuRun(counter().workload, { opsLimit: 64, stepOps: 32, now: () => t, wallOffset: 0 });
    new Float64Array(r.ctrl.buffer as SharedArrayBuffer)[CTRL_F64_DEADLINE] = 5;
    const parks = startResumer(r.ctrl);
    t = 7.5; // every step ends 2.5 ms past the deadline
    runVcpu(r);
    expect(await parks).toBe(2); // the initial park and one after the first step; the second ends at the limit
    expect(r.ctrl[vcpuWord(0, VCPU_PARKED_LATE_US)]).toBe(2500);
  });
});
