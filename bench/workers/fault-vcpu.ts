// Fault-service worker: a vCPU that writes to fresh pages under logdirty, one write fault
// per page, through the real access path and MailboxFaultPort; the trackers are real
// tracker workers. Round trips are kept raw (sub-µs), not in a 1 µs histogram.
import { parentPort, workerData } from 'node:worker_threads';
import { TrackedMemory } from '../../src/memory/access.js';
import { PAGE_SIZE } from '../../src/memory/layout.js';
import { attachVm, type VmBuffers } from '../../src/memory/vm-buffers.js';
import { MailboxFaultPort } from '../../src/vcpu/mailbox.js';

export interface FaultWorkerData {
  readonly configs: readonly { readonly vm: VmBuffers; readonly spin: number }[];
  readonly reps: number;
  readonly faultsPerRep: number;
}

const d = workerData as FaultWorkerData;
const now = () => performance.now();
let sink = new Float64Array(0);
let n = 0;
const setups = d.configs.map((c) => {
  const vm = attachVm(c.vm);
  const port = new MailboxFaultPort(vm.ctrl, 0, c.spin, (us) => { sink[n++] = us; }, now);
  return { vm, mem: new TrackedMemory(vm, port) };
});

function round(s: (typeof setups)[number], faults: number): Float64Array {
  // Only this vCPU faults, and no fault is in flight here: a plain reset is safe.
  s.vm.spt.fill(0);
  sink = new Float64Array(faults);
  n = 0;
  for (let p = 0; p < faults; p++) s.mem.store32(p * PAGE_SIZE, p);
  return sink.subarray(0, n);
}

// Warm-up round per config, then interleaved timed rounds.
for (const s of setups) round(s, Math.min(1000, d.faultsPerRep));
const samples: Float64Array[][] = setups.map(() => []);
for (let r = 0; r < d.reps; r++) {
  for (let i = 0; i < setups.length; i++) {
    const k = r % 2 === 0 ? i : setups.length - 1 - i;
    samples[k].push(round(setups[k], d.faultsPerRep));
  }
}
parentPort!.postMessage(samples);
