import { Worker } from 'node:worker_threads';
import { RUN_DEFAULTS } from '../src/cli/config.js';
import { allocateVm, type VmBuffers } from '../src/memory/vm-buffers.js';
import type { TrackerWorkerData } from '../src/run/protocol.js';
import { workerPath } from '../src/run/worker-path.js';
import { stopTracker } from '../src/tracking/tracker-loop.js';
import { atMost, REPORT_ONLY, row, type Benchmark } from './lib/bench.js';
import { percentile } from './lib/stats.js';
import type { FaultWorkerData } from './workers/fault-vcpu.js';

const FAULTS_PER_REP = 5000;

function exited(w: Worker, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with code ${code}`))));
  });
}

/**
 * Fault service: round trip of a write fault from the vCPU to a real tracker worker and
 * back, spin on (the default when vCPU + tracker fit the cores) and off, interleaved.
 */
export const faultService: Benchmark = {
  name: 'fault-service',
  async run(ctx) {
    const spins = [RUN_DEFAULTS.spinWhenFree, 0];
    const vms: VmBuffers[] = spins.map(() => allocateVm(FAULTS_PER_REP, 1));
    const trackers = vms.map((vm, i) => {
      const data: TrackerWorkerData = { role: 'tracker', vm, mode: 'logdirty', predictor: 'last', spin: spins[i], cpuProf: null };
      const w = new Worker(workerPath('tracker'), { workerData: data, name: `bench-tracker-${i}` });
      return { w, done: exited(w, `tracker ${i}`) };
    });
    const data: FaultWorkerData = { configs: vms.map((vm, i) => ({ vm, spin: spins[i] })), reps: ctx.reps, faultsPerRep: FAULTS_PER_REP };
    const vcpu = new Worker(new URL('./workers/fault-vcpu.js', import.meta.url), { workerData: data });
    const vcpuDone = exited(vcpu, 'fault vCPU');
    const samples = await new Promise<Float64Array[][]>((resolve, reject) => {
      vcpu.once('message', resolve);
      vcpu.once('error', reject);
    });
    await vcpuDone;
    for (const vm of vms) stopTracker(new Int32Array(vm.ctrl));
    await Promise.all(trackers.map((t) => t.done));
    const p = (k: number, q: number) => samples[k].map((s) => percentile(s, q));
    ctx.log(`  spin ${spins[0]}: p50 ${p(0, 50).map((x) => x.toFixed(2)).join(' ')}; p99 ${p(0, 99).map((x) => x.toFixed(1)).join(' ')}`);
    ctx.log(`  spin 0: p50 ${p(1, 50).map((x) => x.toFixed(2)).join(' ')}; p99 ${p(1, 99).map((x) => x.toFixed(1)).join(' ')}`);
    return [
      row('fault service p50 (spin on)', 'us', atMost(2), p(0, 50)),
      row('fault service p99 (spin on)', 'us', atMost(10), p(0, 99)),
      row('fault service p50 (spin off)', 'us', REPORT_ONLY, p(1, 50)),
      row('fault service p99 (spin off)', 'us', REPORT_ONLY, p(1, 99)),
    ];
  },
};
