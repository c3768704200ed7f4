import { TrackedMemory, UntrackedMemory, type FaultPort } from '../../src/vm/access.js';
import { CTX_WORKLOAD, PAGE_SIZE } from '../../src/vm/layout.js';
import { allocateVm, attachVm } from '../../src/vm/vm-buffers.js';
import { BUILTIN_WORKLOADS } from '../../src/guest/workloads/registry.js';
import { workloadParams } from '../../src/guest/workloads/params.js';
import { newHistogram, recordUs } from '../../src/metrics/histograms.js';
import { createFaultHandler, createPolicy } from '../../src/tracking/modes.js';
import { usesPmlRing, type TrackedMode } from '../../src/tracking/policy.js';
import { outOfLinePort } from '../../src/vcpu/exit-port.js';
import { MailboxFaultPort } from '../../src/vcpu/mailbox.js';

export interface GuestLoopOptions {
  readonly mode: TrackedMode;
  readonly workload: string;
  readonly memBytes: number;
  /** Operations per epoch (about 25 ms of gups here). */
  readonly epochOps: number;
  readonly epochs: number;
  /** The access path calls the fault port directly, as before outOfLinePort (the test's negative control). */
  readonly rawPort: boolean;
}

export interface GuestLoopResult {
  /** Guest operations per second inside steps, median epoch of the second half. */
  readonly opsPerSec: number;
  readonly faults: number;
  /** Fault service p99 in µs (pml: its log-full exits, about 7% of its faults). */
  readonly faultP99Us: number;
}

/**
 * One vCPU's guest loop without threads: the workload's steps of 1,024 operations through
 * the real access path and the vCPU's own fault port (MailboxFaultPort with take-back;
 * no tracker runs, so each fault is taken back and handled at once), a collect and reset
 * per epoch, untimed. Only the steps are timed, so the figure is the guest's rate between
 * pauses with no scheduler in it. Run each in a fresh process: which code V8 compiles is
 * the point.
 */
export function runGuestLoop(o: GuestLoopOptions): GuestLoopResult {
  const vm = attachVm(allocateVm(o.memBytes / PAGE_SIZE, 1));
  const policy = createPolicy(o.mode, vm, { predictor: 'last' });
  const handler = createFaultHandler(o.mode, vm);
  const hist = newHistogram();
  let faults = 0;
  const onServiced = (us: number): void => {
    faults++;
    recordUs(hist, us);
  };
  const mailbox = new MailboxFaultPort(vm.ctrl, 0, 200, onServiced, () => performance.now(), handler);
  const port: FaultPort = o.rawPort ? mailbox : outOfLinePort(mailbox);
  const mem = new TrackedMemory(vm, port, usesPmlRing(o.mode) ? vm.pml[0] : null);
  const workload = BUILTIN_WORKLOADS[o.workload];
  const params = workloadParams(0, 1, vm.pages, 1, {});
  const regs = vm.contexts[0].subarray(CTX_WORKLOAD);
  workload.init(new UntrackedMemory(vm), regs, params);
  policy.start();
  const rates: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    let ms = 0;
    for (let done = 0; done < o.epochOps; done += 1024) {
      const t0 = performance.now();
      workload.step(mem, regs, 1024, params);
      ms += performance.now() - t0;
    }
    rates.push((o.epochOps / ms) * 1000);
    policy.resetForEpoch(policy.collectDirty());
  }
  const tail = rates.slice(o.epochs >>> 1).sort((a, b) => a - b);
  const result = { opsPerSec: tail[tail.length >>> 1], faults, faultP99Us: hist.getValueAtPercentile(99) };
  hist.destroy();
  return result;
}
