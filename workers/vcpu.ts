// Thin vCPU thread: attach views, build the access path, run the vCPU loop (src/vcpu).
import { parentPort, workerData } from 'node:worker_threads';
import { TrackedMemory, UntrackedMemory } from '../src/vm/access.js';
import type { GuestMemory } from '../src/vm/guest-memory.js';
import { CTRL_EPOCH, CTX_OPS_DONE, CTX_WORKLOAD } from '../src/vm/layout.js';
import { attachVm, type VmViews } from '../src/vm/vm-buffers.js';
import { markThreadForProf, startCpuProfile } from '../src/metrics/cpu-profile.js';
import { newHistogram, recordUs } from '../src/metrics/histograms.js';
import { IntervalHistograms } from '../src/metrics/interval-histograms.js';
import { deviceIo } from '../src/guest/net-device.js';
import { wallMs, type ThreadMessage, type VcpuWorkerData } from '../src/run/protocol.js';
import { InlineFaultPort } from '../src/tracking/inline-fault.js';
import { createFaultHandler } from '../src/tracking/modes.js';
import { usesPmlRing, type TrackedMode } from '../src/tracking/policy.js';
import { warmUpFaultPath } from '../src/tracking/warm-up.js';
import { warmUpCopy } from '../src/epoch/copy-warm-up.js';
import { chargedExits, outOfLinePort } from '../src/vcpu/exit-port.js';
import { MailboxFaultPort } from '../src/vcpu/mailbox.js';
import { runVcpu } from '../src/vcpu/vcpu-loop.js';
import { createCopyEngine } from '../src/epoch/copy-engine.js';
import { attachCopyBoard, helpWhileParked } from '../src/epoch/parallel-copy.js';
import { faultHandlerFor, type BackgroundCopyBuffers } from '../src/epoch/background-copy.js';
import { loadWorkload } from '../src/guest/workloads/registry.js';
import { workloadParams } from '../src/guest/workloads/params.js';

const d = workerData as VcpuWorkerData;
const role = `vcpu-${d.vcpu}`;
markThreadForProf(role);
const profiler = d.cpuProf === null ? null : await startCpuProfile(d.cpuProf, role);
const post = (m: ThreadMessage) => parentPort!.postMessage(m);
const vm = attachVm(d.vm);
const workload = await loadWorkload(d.workload);
const base = workloadParams(d.vcpu, vm.vcpus, vm.pages, d.seed, d.options);
const params = d.netDevice === undefined ? base : {
  ...base,
  io: deviceIo(new Int32Array(d.netDevice), vm.ctrl, () => Atomics.load(vm.ctrl, CTRL_EPOCH),
    (epoch, conn, text) => post({ type: 'guest-output', epoch, conn, text })),
};
const ctx = vm.contexts[d.vcpu];
const regs = ctx.subarray(CTX_WORKLOAD);
const plain = new UntrackedMemory(vm);
if (!d.restored) workload.init(plain, regs, params);

const grid = d.intervals;
const hists = new IntervalHistograms(['faultService'], grid?.intervalMs ?? null, () => wallMs() - (grid?.runStartWallMs ?? 0));
// The fault path records into one fixed histogram; rotation resets it in place.
const faultService = hists.current.faultService;
const now = () => performance.now();
// One closure for the warm-up and the run, so the fault path's compiled call to it stays
// monomorphic: it records into a scratch histogram until the guest's own faults begin.
let serviceHist = newHistogram();
const onServiced = (us: number) => recordUs(serviceHist, us);
/** This vCPU's access path over `on` (the run's VM, or the warm-up's scratch one). */
function trackedMemory(
  mode: TrackedMode, on: VmViews, serviced: (us: number) => void, background: BackgroundCopyBuffers | undefined,
): TrackedMemory {
  // The tracker's own handler, for the inline path and for faults taken back from the tracker.
  const handler = faultHandlerFor(createFaultHandler(mode, on), on, background);
  const port = d.faultPath === 'inline'
    ? new InlineFaultPort(on.ctrl, d.vcpu, handler, serviced, now)
    : new MailboxFaultPort(on.ctrl, d.vcpu, d.spin, serviced, now, handler);
  return new TrackedMemory(on, outOfLinePort(chargedExits(port, d.exitCostUs ?? 0, now)), usesPmlRing(mode) ? on.pml[d.vcpu] : null);
}
const mode = d.mode;
const mem: GuestMemory = mode === 'native' ? plain : trackedMemory(mode, vm, onServiced, d.background);
/** The fault path and the pause copy compiled before the guest starts (src/tracking/warm-up.ts). */
function warmUp(): void {
  // The scratch VM has no background copy: its faults copy nothing into the run's mirror.
  if (mode !== 'native') warmUpFaultPath(mode, vm.vcpus, (on) => trackedMemory(mode, on, onServiced, undefined));
  if (d.pauseCopy !== undefined) warmUpCopy(d.pauseCopy.copy);
  serviceHist.destroy();
  serviceHist = faultService;
}
const shipIntervals = () => {
  const intervals = hists.rotateIfDue();
  if (intervals.length > 0) post({ type: 'hdr-intervals', intervals });
};

// Parked last, this thread copies in the pause: it already holds a CPU the copy can use.
let whileParked: ((resumeSeq: number) => void) | undefined;
if (d.pauseCopy !== undefined) {
  const board = attachCopyBoard(d.pauseCopy.board);
  const engine = createCopyEngine(d.pauseCopy.copy, d.vm.ram);
  const mirror = new Uint8Array(d.pauseCopy.mirror);
  let seenJob = 0;
  whileParked = (resumeSeq) => {
    seenJob = helpWhileParked(board, engine, mirror, vm.ctrl, resumeSeq, seenJob).seenJob;
  };
}
let startedAt = 0;
runVcpu({
  ctrl: vm.ctrl, vcpu: d.vcpu, ctx, regs, mem, workload, params,
  opsLimit: d.opsLimit, epochOps: d.epochOps, stepOps: d.stepOps, now, wallOffset: performance.timeOrigin, vcpus: vm.vcpus, whileParked,
  whileHeld: warmUp,
  onStart: () => {
    startedAt = wallMs();
    post({ type: 'vcpu-started', vcpu: d.vcpu, at: startedAt });
  },
  onStep: grid === null ? undefined : shipIntervals,
});
const finishedAt = wallMs();
if (grid !== null) post({ type: 'hdr-intervals', intervals: hists.finish() });
// Read-only from here: the final checkpoint may be copying guest RAM.
post({
  type: 'vcpu-done', vcpu: d.vcpu, ops: ctx[CTX_OPS_DONE], startedAt, finishedAt,
  result: workload.result(plain, regs, params),
  verified: d.verify && workload.verify ? workload.verify(plain, regs, params) : null,
  faultServiceHist: hists.encodedTotals().faultService,
});
hists.destroy();
await profiler?.stop();
