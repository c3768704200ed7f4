import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CTRL_DOORBELL, CTRL_FAULT_LOCK, CTRL_FAULTS_WRITE, CTRL_TRACKER_AWAKE, CTRL_TRACKER_SLEEPING, FAULT_WRITE, PAGE_SIZE,
  SPT_PWD, VCPU_MBOX_CLAIM, VCPU_MBOX_KIND, VCPU_MBOX_PFN, VCPU_MBOX_REQ, VCPU_MBOX_RESP, vcpuWord, type FaultKind,
} from '../../../src/vm/layout.js';
import { TrackedMemory } from '../../../src/vm/access.js';
import { allocateVm, attachVm, type VmBuffers, type VmViews } from '../../../src/vm/vm-buffers.js';
import type { TrackerWorkerData } from '../../../src/run/protocol.js';
import { workerPath } from '../../../src/base/worker-path.js';
import { lockFaults, unlockFaults } from '../../../src/tracking/fault-lock.js';
import { InlineFaultPort } from '../../../src/tracking/inline-fault.js';
import { createPolicy } from '../../../src/tracking/modes.js';
import type { TrackingPolicy } from '../../../src/tracking/policy.js';
import { CORE_SAMPLE, CoreCheck, letTrackerSleep, serviceMailbox, standDown, stopTracker, wakeTracker } from '../../../src/tracking/tracker-loop.js';
import { MailboxFaultPort } from '../../../src/vcpu/mailbox.js';

const now = () => performance.now();

/** A logdirty policy that also counts its calls, i.e. how often the handler ran. */
function countingPolicy(vm: VmViews): { policy: TrackingPolicy; calls: [FaultKind, number, number][] } {
  const inner = createPolicy('logdirty', vm, { predictor: 'last' });
  const calls: [FaultKind, number, number][] = [];
  const policy = Object.create(inner) as TrackingPolicy;
  policy.serviceFault = (kind, pfn, vcpu) => {
    calls.push([kind, pfn, vcpu]);
    inner.serviceFault(kind, pfn, vcpu);
  };
  return { policy, calls };
}

/** Poll ctrl[index] until it equals want or `ms` pass (a hard timeout); returns the last value. */
function waitFor(ctrl: Int32Array, index: number, want: number, ms: number): number {
  const deadline = now() + ms;
  let v: number;
  while ((v = Atomics.load(ctrl, index)) !== want && now() < deadline) Atomics.wait(ctrl, index, v, 1);
  return v;
}

describe('fault handler without threads', () => {
  it('the inline port runs the tracker handler under the fault lock', () => {
    const vm = attachVm(allocateVm(8, 1));
    const { policy, calls } = countingPolicy(vm);
    const seen: number[] = [];
    const held = { n: 0 };
    const probe = Object.create(policy) as TrackingPolicy;
    probe.serviceFault = (kind, pfn, v) => {
      held.n += Atomics.load(vm.ctrl, CTRL_FAULT_LOCK) !== 0 ? 1 : 0;
      policy.serviceFault(kind, pfn, v);
    };
    const mem = new TrackedMemory(vm, new InlineFaultPort(vm.ctrl, 0, probe, (us) => seen.push(us), now));
    mem.store32(3 * PAGE_SIZE, 1);
    mem.store32(3 * PAGE_SIZE + 4, 2); // entry now P|W|D: no second fault
    expect(calls).toEqual([[FAULT_WRITE, 3, 0]]);
    expect(held.n).toBe(1);
    expect(vm.spt[3]).toBe(SPT_PWD);
    expect(vm.bitmap[0]).toBe(1 << 3);
    expect(vm.ctrl[CTRL_FAULTS_WRITE]).toBe(1);
    expect(Atomics.load(vm.ctrl, CTRL_FAULT_LOCK)).toBe(0);
    expect(seen.length).toBe(1);
  });

  it('the fault lock marks contention and is released whatever the handler does', () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(64 * 4));
    lockFaults(ctrl);
    expect(ctrl[CTRL_FAULT_LOCK]).toBe(1);
    unlockFaults(ctrl);
    expect(ctrl[CTRL_FAULT_LOCK]).toBe(0);
    ctrl[CTRL_FAULT_LOCK] = 2; // held, a waiter announced: unlock frees it (and notifies)
    unlockFaults(ctrl);
    expect(ctrl[CTRL_FAULT_LOCK]).toBe(0);
    const vm = attachVm(allocateVm(4, 1));
    const failing = createPolicy('logdirty', vm, { predictor: 'last' });
    failing.serviceFault = () => { throw new Error('handler failed'); };
    const port = new InlineFaultPort(vm.ctrl, 0, failing, () => {}, now);
    expect(() => port.fault(FAULT_WRITE, 1)).toThrow('handler failed');
    expect(vm.ctrl[CTRL_FAULT_LOCK]).toBe(0);
  });

  it('a fault nobody claims is taken back by the vCPU; the tracker then skips it', () => {
    const vm = attachVm(allocateVm(8, 1));
    const { policy, calls } = countingPolicy(vm);
    const port = new MailboxFaultPort(vm.ctrl, 0, 50, () => {}, now, policy);
    port.fault(FAULT_WRITE, 5);
    expect(calls).toEqual([[FAULT_WRITE, 5, 0]]);
    expect([vm.ctrl[vcpuWord(0, VCPU_MBOX_REQ)], vm.ctrl[vcpuWord(0, VCPU_MBOX_CLAIM)], vm.ctrl[vcpuWord(0, VCPU_MBOX_RESP)]]).toEqual([1, 1, 1]);
    expect(vm.ctrl[CTRL_DOORBELL]).toBe(1);
    // The tracker comes late: its compare-exchange fails, the fault is not handled twice.
    const { policy: tracker, calls: trackerCalls } = countingPolicy(vm);
    expect(serviceMailbox(vm.ctrl, 0, 1, tracker)).toBe(false);
    expect(trackerCalls).toEqual([]);
    expect(vm.ctrl[CTRL_FAULTS_WRITE]).toBe(1);
  });

  it('a fault the tracker claimed first is answered by it', () => {
    const vm = attachVm(allocateVm(8, 1));
    const { policy, calls } = countingPolicy(vm);
    vm.ctrl[vcpuWord(0, VCPU_MBOX_PFN)] = 6;
    vm.ctrl[vcpuWord(0, VCPU_MBOX_KIND)] = FAULT_WRITE;
    Atomics.store(vm.ctrl, vcpuWord(0, VCPU_MBOX_REQ), 1);
    expect(serviceMailbox(vm.ctrl, 0, 1, policy)).toBe(true);
    expect(calls).toEqual([[FAULT_WRITE, 6, 0]]);
    expect([vm.ctrl[vcpuWord(0, VCPU_MBOX_CLAIM)], vm.ctrl[vcpuWord(0, VCPU_MBOX_RESP)]]).toEqual([1, 1]);
    expect(serviceMailbox(vm.ctrl, 0, 1, policy)).toBe(false);
  });
});

describe('does the tracker have a core of its own', () => {
  it('stands down once more than 1 in 10 of an epoch\'s first faults were taken back', () => {
    const c = new CoreCheck();
    c.observe(0);
    expect(c.record(0, CORE_SAMPLE)).toBe(false); // paused: nothing is judged
    c.observe(1);
    let fired = false;
    for (let i = 0; i < 3 * CORE_SAMPLE; i++) fired ||= c.record(1, 1);
    expect(fired).toBe(false); // every fault answered in time
    c.observe(2); // a new epoch: fresh counts
    const lost = Math.floor(CORE_SAMPLE / 10) + 1;
    const verdicts = [];
    for (let i = 0; i < CORE_SAMPLE; i++) verdicts.push(c.record(i < lost ? 0 : 1, 1));
    expect(verdicts.indexOf(true)).toBe(CORE_SAMPLE - 1);
    expect(verdicts.filter(Boolean).length).toBe(1);
    c.observe(3);
    // Faults taken back while the tracker was not looking count too (one look, 64 posted).
    expect(c.record(1, CORE_SAMPLE)).toBe(true);
  });

  it('a stand-down never overrides a later pause or resume', () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(64 * 4));
    wakeTracker(ctrl);
    const first = ctrl[CTRL_TRACKER_AWAKE];
    wakeTracker(ctrl);
    const second = ctrl[CTRL_TRACKER_AWAKE];
    expect(second).not.toBe(first);
    standDown(ctrl, first); // decided in the earlier epoch, landing late
    expect(ctrl[CTRL_TRACKER_AWAKE]).toBe(second);
    standDown(ctrl, second);
    expect(ctrl[CTRL_TRACKER_AWAKE]).toBe(0);
  });
});

// A scripted tracker: claims fault 1 of vCPU 0 (ahead of its posting, so the race is
// decided for the tracker whatever the scheduler does), waits until it is posted, holds
// it 30 ms, then answers. Every wait has a deadline: a broken handshake fails the test
// instead of hanging it.
const SCRIPTED_TRACKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { ctrl: sab, words } = workerData;
const ctrl = new Int32Array(sab);
const claimed = Atomics.compareExchange(ctrl, words.claim, 0, 1) === 0;
parentPort.postMessage('ready');
const deadline = Date.now() + 5000;
while (Atomics.load(ctrl, words.req) === 0 && Date.now() < deadline) Atomics.wait(ctrl, words.req, 0, 5);
const req = Atomics.load(ctrl, words.req);
Atomics.wait(ctrl, words.scratch, 0, 30);
if (claimed) {
  const pfn = ctrl[words.pfn];
  Atomics.or(new Uint8Array(workerData.spt), pfn, 7);
}
Atomics.store(ctrl, words.resp, req);
Atomics.notify(ctrl, words.resp);
parentPort.postMessage({ claimed, req });
`;

describe('fault handshake against a scripted partner (real threads, hard timeouts)', () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  it('a vCPU waits for a tracker that claimed its fault and does not take it back', async () => {
    const buffers = allocateVm(8, 1);
    const vm = attachVm(buffers);
    const { policy, calls } = countingPolicy(vm);
    const words = {
      req: vcpuWord(0, VCPU_MBOX_REQ), resp: vcpuWord(0, VCPU_MBOX_RESP), claim: vcpuWord(0, VCPU_MBOX_CLAIM),
      pfn: vcpuWord(0, VCPU_MBOX_PFN), scratch: vcpuWord(0, 7),
    };
    const w = new Worker(SCRIPTED_TRACKER, { eval: true, workerData: { ctrl: buffers.ctrl, spt: buffers.spt, words } });
    workers.push(w);
    const messages: unknown[] = [];
    const done = new Promise<void>((resolve) => w.on('message', (m) => { messages.push(m); if (messages.length === 2) resolve(); }));
    await new Promise<void>((resolve) => w.once('message', () => resolve()));
    const mem = new TrackedMemory(vm, new MailboxFaultPort(vm.ctrl, 0, 10, () => {}, now, policy));
    const t0 = now();
    mem.store32(2 * PAGE_SIZE, 9);
    const took = now() - t0;
    await done;
    expect(messages[1]).toEqual({ claimed: true, req: 1 });
    expect(calls).toEqual([]); // the partner handled it
    expect(took).toBeGreaterThanOrEqual(20); // blocked for the partner's answer
    expect(vm.spt[2]).toBe(SPT_PWD);
  });

  it('the tracker thread sleeps while the guest is paused, spins while it runs, answers, and stops', async () => {
    const buffers: VmBuffers = allocateVm(8, 1);
    const vm = attachVm(buffers);
    // idleMs Infinity: the tracker never stands down for lack of faults (as for vCPUs without take-back).
    const data: TrackerWorkerData = { role: 'tracker', vm: buffers, mode: 'logdirty', spin: 200, idleMs: Infinity, cpuProf: null };
    const w = new Worker(workerPath('tracker'), { workerData: data });
    workers.push(w);
    const exited = new Promise<number>((resolve) => w.once('exit', resolve));
    // Paused guest (the initial state): the tracker goes to sleep.
    expect(waitFor(vm.ctrl, CTRL_TRACKER_SLEEPING, 1, 5000)).toBe(1);
    wakeTracker(vm.ctrl);
    expect(vm.ctrl[CTRL_TRACKER_AWAKE]).toBe(1);
    expect(waitFor(vm.ctrl, CTRL_TRACKER_SLEEPING, 0, 5000)).toBe(0);
    // 100 ms without a fault while the guest runs: it must not fall asleep.
    const until = now() + 100;
    let slept = false;
    while (now() < until) if (Atomics.load(vm.ctrl, CTRL_TRACKER_SLEEPING) !== 0) slept = true;
    expect(slept).toBe(false);
    // A fault without take-back: only the tracker can answer it.
    const port = new MailboxFaultPort(vm.ctrl, 0, 100_000, () => {}, now, null);
    port.fault(FAULT_WRITE, 4);
    expect(vm.spt[4]).toBe(SPT_PWD);
    expect(vm.ctrl[CTRL_FAULTS_WRITE]).toBe(1);
    letTrackerSleep(vm.ctrl);
    expect(waitFor(vm.ctrl, CTRL_TRACKER_SLEEPING, 1, 5000)).toBe(1);
    stopTracker(vm.ctrl);
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 5000))]);
    expect(code).toBe(0);
  });

  it('an idle tracker stands down until the next resume; meanwhile a vCPU takes its fault at once, and the resume wakes the tracker again', async () => {
    const buffers: VmBuffers = allocateVm(8, 1);
    const vm = attachVm(buffers);
    const data: TrackerWorkerData = { role: 'tracker', vm: buffers, mode: 'logdirty', spin: 200, idleMs: 2, cpuProf: null };
    const w = new Worker(workerPath('tracker'), { workerData: data });
    workers.push(w);
    const exited = new Promise<number>((resolve) => w.once('exit', resolve));
    expect(waitFor(vm.ctrl, CTRL_TRACKER_SLEEPING, 1, 5000)).toBe(1);
    const woken = now();
    wakeTracker(vm.ctrl);
    // No fault for 2 ms: the tracker clears AWAKE itself (only it can here) and goes to sleep.
    expect(waitFor(vm.ctrl, CTRL_TRACKER_AWAKE, 0, 5000)).toBe(0);
    expect(now() - woken).toBeGreaterThanOrEqual(2);
    expect(waitFor(vm.ctrl, CTRL_TRACKER_SLEEPING, 1, 5000)).toBe(1);
    // A vCPU with take-back handles its fault here, without spinning for or waking the tracker.
    const { policy, calls } = countingPolicy(vm);
    const port = new MailboxFaultPort(vm.ctrl, 0, 1_000_000_000, () => {}, now, policy);
    const t0 = now();
    port.fault(FAULT_WRITE, 3);
    expect(now() - t0).toBeLessThan(1_000); // a billion-iteration spin would take seconds
    expect(calls).toEqual([[FAULT_WRITE, 3, 0]]);
    expect(Atomics.load(vm.ctrl, CTRL_TRACKER_SLEEPING)).toBe(1);
    // The next resume wakes it: a fault without take-back is answered by the tracker.
    wakeTracker(vm.ctrl);
    const alone = new MailboxFaultPort(vm.ctrl, 0, 100_000, () => {}, now, null);
    alone.fault(FAULT_WRITE, 5);
    expect(vm.spt[5]).toBe(SPT_PWD);
    expect(calls.length).toBe(1); // not handled here
    stopTracker(vm.ctrl);
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 5000))]);
    expect(code).toBe(0);
  });
});
