import { REPORT_ONLY, row, type Benchmark, type BenchRow } from './lib/bench.js';
import { runWith } from './lib/run.js';

const WORKLOADS = ['hotcold', 'kv'] as const;
/** The mode-ordering runs (1 s at 256 MiB, 25 ms epochs, steady state), with a modelled exit. */
const RUN = { mem: '256MiB', duration: '1s', 'epoch-ms': '25' };
const EXIT_US = '0.1';
const CONFIGS: Record<string, Record<string, string>> = { logdirty: { mode: 'logdirty' }, all: { opt: 'all' } };

/**
 * `--opt all` / logdirty when every fault also costs a modelled 0.1 µs VM exit and entry
 * (`--exit-cost 0.1`, far below a real exit's hundreds to thousands of cycles): how
 * little a fault must cost the guest beyond the emulator's own price for the paper's
 * ordering (>= 1.4) to appear. Side by side in one repetition, configurations
 * alternating. A report, not a goal: the goal rows are taken without the model.
 */
export const exitCost: Benchmark = {
  name: 'exit-cost',
  async run(ctx) {
    const rows: BenchRow[] = [];
    for (const w of WORKLOADS) {
      const ratios: number[] = [];
      // Three repetitions: a report row, and `npm run bench` must stay under 10 minutes.
      for (let r = 0; r < Math.min(ctx.reps, 3); r++) {
        const order = r % 2 === 0 ? ['logdirty', 'all'] : ['all', 'logdirty'];
        const got: Record<string, number> = {};
        for (const n of order) {
          const x = await runWith({ workload: w, ...RUN, ...CONFIGS[n], 'exit-cost': EXIT_US });
          got[n] = x.throughput.steadyOpsPerSec ?? x.throughput.opsPerSec;
        }
        ratios.push(got.all / got.logdirty);
        ctx.log(`  ${w} rep ${r}: logdirty ${got.logdirty}, all ${got.all} ops/s at --exit-cost ${EXIT_US}`);
      }
      rows.push(row(`opt all / logdirty, --exit-cost ${EXIT_US} µs (${w})`, 'ratio', REPORT_ONLY, ratios));
    }
    return rows;
  },
};
