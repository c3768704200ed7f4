import { Worker } from 'node:worker_threads';
import { atLeast, REPORT_ONLY, row, type Benchmark, type BenchRow } from './lib/bench.js';
import { geomean } from './lib/stats.js';
import { TWINS } from './lib/twins.js';
import { RUN_DEFAULTS } from '../src/cli/config.js';
import type { TaxWorkerData } from './workers/tax-worker.js';

const PAGES = 16384; // 64 MiB

function runWorker(data: TaxWorkerData): Promise<{ ratios: number[]; ops: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./workers/tax-worker.js', import.meta.url), { workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`tax worker ${data.workload} exited with ${code}`)); });
  });
}

/**
 * Emulation tax: native-mode throughput of each workload over the same kernel written
 * against a plain Uint32Array, both in one worker thread, interleaved slices.
 */
export const emulationTax: Benchmark = {
  name: 'emulation-tax',
  async run(ctx) {
    const names = Object.keys(TWINS);
    const per: Record<string, number[]> = {};
    for (const workload of names) {
      // Slices are cheap: three times the repetitions, to tame a loaded machine's noise.
      const { ratios, ops } = await runWorker({ workload, pages: PAGES, reps: 3 * ctx.reps, stepOps: RUN_DEFAULTS.stepOps, sliceMs: 40 });
      per[workload] = ratios;
      ctx.log(`  ${workload}: ${ops} ops per slice, ratios ${ratios.map((r) => r.toFixed(3)).join(' ')}`);
    }
    const rows: BenchRow[] = names.map((n) => row(`emulation tax: ${n}`, 'ratio', REPORT_ONLY, per[n]));
    const gm = Array.from({ length: 3 * ctx.reps }, (_, r) => geomean(names.map((n) => per[n][r])));
    rows.unshift(row('emulation tax (geomean)', 'ratio', atLeast(0.8), gm));
    return rows;
  },
};
