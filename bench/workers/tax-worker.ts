// Emulation-tax worker: one workload per worker (as in a real vCPU worker, so call sites
// stay monomorphic), timed in native mode and as its plain twin, interleaved.
import { parentPort, workerData } from 'node:worker_threads';
import { UntrackedMemory } from '../../src/vm/access.js';
import { CTRL_REQ, CTX_SLOTS, CTX_WORKLOAD, PAGE_SIZE, REQ_STOP } from '../../src/vm/layout.js';
import { BUILTIN_WORKLOADS } from '../../src/guest/workloads/registry.js';
import { workloadParams } from '../../src/guest/workloads/params.js';
import { TWINS } from '../lib/twins.js';

export interface TaxWorkerData {
  readonly workload: string;
  readonly pages: number;
  readonly reps: number;
  readonly stepOps: number;
  /** Target time of one timed slice, ms. */
  readonly sliceMs: number;
}

const d = workerData as TaxWorkerData;
const workload = BUILTIN_WORKLOADS[d.workload];
const twin = TWINS[d.workload];
const params = workloadParams(0, 1, d.pages, 1, {});
const ctrl = new Int32Array(new SharedArrayBuffer(64));
const ram = new SharedArrayBuffer(d.pages * PAGE_SIZE);
const mem = new UntrackedMemory({ ram8: new Uint8Array(ram), ram32: new Uint32Array(ram), ramF64: new Float64Array(ram) });
const regs = new Float64Array(CTX_SLOTS - CTX_WORKLOAD);
const twinRam = new Uint32Array(new SharedArrayBuffer(d.pages * PAGE_SIZE));
const twinRegs = new Float64Array(CTX_SLOTS - CTX_WORKLOAD);
workload.init(mem, regs, params);
twin.init(twinRegs, params);
// Fault every page in for both, so neither pays first-touch costs in a timed slice.
new Uint8Array(ram).fill(0);
twinRam.fill(0);

/** The vCPU loop's shape: a step of stepOps, then one Atomics.load of the request word. */
function timeNative(ops: number): number {
  const t0 = performance.now();
  for (let left = ops; left > 0;) {
    if ((Atomics.load(ctrl, CTRL_REQ) & REQ_STOP) !== 0) break;
    left -= workload.step(mem, regs, Math.min(d.stepOps, left), params);
  }
  return performance.now() - t0;
}

function timeTwin(ops: number): number {
  const t0 = performance.now();
  for (let left = ops; left > 0;) {
    if ((Atomics.load(ctrl, CTRL_REQ) & REQ_STOP) !== 0) break;
    left -= twin.step(twinRam, twinRegs, Math.min(d.stepOps, left), params);
  }
  return performance.now() - t0;
}

// Warm both up and size a slice to about sliceMs of native time.
let ops = d.stepOps * 16;
for (let i = 0; i < 3; i++) timeTwin(ops);
while (timeNative(ops) < d.sliceMs / 4) ops *= 2;
ops = Math.ceil((ops * d.sliceMs) / Math.max(1, timeNative(ops)));
timeTwin(ops);

const ratios: number[] = [];
for (let r = 0; r < d.reps; r++) {
  // Alternate which goes first so drift in machine load hits both alike.
  let native: number;
  let plain: number;
  if (r % 2 === 0) {
    native = timeNative(ops);
    plain = timeTwin(ops);
  } else {
    plain = timeTwin(ops);
    native = timeNative(ops);
  }
  ratios.push(plain / native); // = native throughput / plain throughput
}
parentPort!.postMessage({ ratios, ops });
