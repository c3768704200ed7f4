import { Worker } from 'node:worker_threads';
import { RUN_DEFAULTS } from '../src/cli/config.js';
import { allocateVm } from '../src/vm/vm-buffers.js';
import type { TrackerWorkerData } from '../src/run/protocol.js';
import { workerPath } from '../src/base/worker-path.js';
import { stopTracker } from '../src/tracking/tracker-loop.js';
import { atMost, REPORT_ONLY, row, type Benchmark, type BenchRow, type Goal } from './lib/bench.js';
import { percentile } from './lib/stats.js';
import type { FaultConfig, FaultWorkerData } from './workers/fault-vcpu.js';

const DENSE_FAULTS = 5000;
/** The sparse guest: 20-200 µs of its own work between two faults (about 0.2 s a round). */
const SPARSE_GAP: [number, number] = [20, 200];
const SPARSE_FAULTS = 2000;

function exited(w: Worker, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with code ${code}`))));
  });
}

interface Case {
  readonly label: string;
  readonly path: 'tracker' | 'inline';
  readonly spin: number;
  readonly takeBack: boolean;
  readonly sparse: boolean;
  readonly p50: Goal;
  readonly p99: Goal;
}

const SPIN = RUN_DEFAULTS.spinWhenFree;
const CASES: readonly Case[] = [
  // The default path: tracker thread, take-back after the vCPU's spin.
  { label: 'spin on', path: 'tracker', spin: SPIN, takeBack: true, sparse: false, p50: atMost(2), p99: atMost(10) },
  { label: 'sparse', path: 'tracker', spin: SPIN, takeBack: true, sparse: true, p50: REPORT_ONLY, p99: atMost(10) },
  // The tracker's round trip alone (no take-back: the vCPU blocks after its spin).
  { label: 'tracker only', path: 'tracker', spin: SPIN, takeBack: false, sparse: false, p50: REPORT_ONLY, p99: REPORT_ONLY },
  { label: 'tracker only, sparse', path: 'tracker', spin: SPIN, takeBack: false, sparse: true, p50: REPORT_ONLY, p99: REPORT_ONLY },
  { label: 'inline', path: 'inline', spin: 0, takeBack: false, sparse: false, p50: REPORT_ONLY, p99: REPORT_ONLY },
  { label: 'inline, sparse', path: 'inline', spin: 0, takeBack: false, sparse: true, p50: REPORT_ONLY, p99: REPORT_ONLY },
];

/**
 * Fault service: round trip of a write fault from a vCPU worker to a real tracker worker
 * and back (or through the inline handler), 1 vCPU, logdirty: faults back to back
 * (dense) and one every 20-200 µs of guest work (sparse), interleaved. The vCPU worker
 * keeps the tracker awake during its rounds as the checkpointer does while a guest runs.
 */
export const faultService: Benchmark = {
  name: 'fault-service',
  async run(ctx) {
    const configs: FaultConfig[] = CASES.map((c) => {
      const faults = c.sparse ? SPARSE_FAULTS : DENSE_FAULTS;
      return { vm: allocateVm(faults, 1), spin: c.spin, path: c.path, takeBack: c.takeBack, gapUs: c.sparse ? SPARSE_GAP : null, faults };
    });
    const trackers = configs.flatMap((cfg, i) => {
      if (cfg.path !== 'tracker') return [];
      // Without take-back a tracker that stood down idle would make the next fault a wake-up.
      const data: TrackerWorkerData = { role: 'tracker', vm: cfg.vm, mode: 'logdirty', spin: cfg.spin, idleMs: cfg.takeBack ? undefined : Infinity, cpuProf: null };
      const w = new Worker(workerPath('tracker'), { workerData: data, name: `bench-tracker-${i}` });
      return [{ vm: cfg.vm, done: exited(w, `tracker ${i}`) }];
    });
    const data: FaultWorkerData = { configs, reps: ctx.reps };
    const vcpu = new Worker(new URL('./workers/fault-vcpu.js', import.meta.url), { workerData: data });
    const vcpuDone = exited(vcpu, 'fault vCPU');
    const samples = await new Promise<Float64Array[][]>((resolve, reject) => {
      vcpu.once('message', resolve);
      vcpu.once('error', reject);
    });
    await vcpuDone;
    for (const t of trackers) stopTracker(new Int32Array(t.vm.ctrl));
    await Promise.all(trackers.map((t) => t.done));
    const rows: BenchRow[] = [];
    CASES.forEach((c, k) => {
      const p = (q: number) => samples[k].map((s) => percentile(s, q));
      ctx.log(`  ${c.label}: p50 ${p(50).map((x) => x.toFixed(2)).join(' ')}; p99 ${p(99).map((x) => x.toFixed(1)).join(' ')}`);
      // The default path's sparse case is the row "fault service, sparse".
      const name = c.label === 'sparse' ? 'fault service, sparse' : 'fault service';
      const tag = c.label === 'sparse' ? '' : ` (${c.label})`;
      rows.push(row(`${name} p50${tag}`, 'us', c.p50, p(50)));
      rows.push(row(`${name} p99${tag}`, 'us', c.p99, p(99)));
    });
    return rows;
  },
};
