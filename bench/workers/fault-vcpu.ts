// Fault-service worker: a vCPU that writes to fresh pages under logdirty, one write fault
// per page, through the real access path and a real fault port (MailboxFaultPort to a
// real tracker worker, or InlineFaultPort); between two faults it may compute for a
// while (the sparse case). Round trips are kept raw (sub-µs), not in a 1 µs histogram.
import { parentPort, workerData } from 'node:worker_threads';
import type { FaultPort } from '../../src/vm/access.js';
import { PAGE_SIZE } from '../../src/vm/layout.js';
import { TrackedMemory } from '../../src/vm/access.js';
import { attachVm, type VmBuffers } from '../../src/vm/vm-buffers.js';
import { InlineFaultPort } from '../../src/tracking/inline-fault.js';
import { createPolicy } from '../../src/tracking/modes.js';
import { letTrackerSleep, wakeTracker } from '../../src/tracking/tracker-loop.js';
import { MailboxFaultPort } from '../../src/vcpu/mailbox.js';

export interface FaultConfig {
  readonly vm: VmBuffers;
  readonly spin: number;
  readonly path: 'tracker' | 'inline';
  /** Tracker path: take back a fault the tracker has not claimed within the spin (the default). */
  readonly takeBack: boolean;
  /** Guest work between two faults, µs, drawn uniformly from [min, max]; null: back to back. */
  readonly gapUs: readonly [number, number] | null;
  readonly faults: number;
}

export interface FaultWorkerData {
  readonly configs: readonly FaultConfig[];
  readonly reps: number;
}

const d = workerData as FaultWorkerData;
const now = () => performance.now();
let sink = new Float64Array(0);
let n = 0;
const record = (us: number) => { sink[n++] = us; };
const setups = d.configs.map((c) => {
  const vm = attachVm(c.vm);
  const handler = createPolicy('logdirty', vm, { predictor: 'last' });
  const port: FaultPort = c.path === 'inline'
    ? new InlineFaultPort(vm.ctrl, 0, handler, record, now)
    : new MailboxFaultPort(vm.ctrl, 0, c.spin, record, now, c.takeBack ? handler : null);
  return { vm, c, mem: new TrackedMemory(vm, port) };
});

let x = 0x9e3779b9;
/** Compute (spin on the clock) for a uniform draw from [lo, hi] µs: the guest's own work. */
function work(lo: number, hi: number): void {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  const until = now() + (lo + ((x >>> 0) / 2 ** 32) * (hi - lo)) / 1000;
  while (now() < until);
}

function round(s: (typeof setups)[number], faults: number): Float64Array {
  // Only this vCPU faults, and no fault is in flight here: a plain reset is safe.
  s.vm.spt.fill(0);
  sink = new Float64Array(faults);
  n = 0;
  const gap = s.c.gapUs;
  // The guest runs: the tracker of this config stays awake (the others sleep), as the
  // checkpointer keeps it between a resume and the next pause.
  wakeTracker(s.vm.ctrl);
  for (let p = 0; p < faults; p++) {
    if (gap !== null) work(gap[0], gap[1]);
    s.mem.store32(p * PAGE_SIZE, p);
  }
  letTrackerSleep(s.vm.ctrl);
  return sink.subarray(0, n);
}

// Warm-up round per config, then interleaved timed rounds.
for (const s of setups) round(s, Math.min(200, s.c.faults));
const samples: Float64Array[][] = setups.map(() => []);
for (let r = 0; r < d.reps; r++) {
  for (let i = 0; i < setups.length; i++) {
    const k = r % 2 === 0 ? i : setups.length - 1 - i;
    samples[k].push(round(setups[k], setups[k].c.faults));
  }
}
parentPort!.postMessage(samples);
