import { fileURLToPath } from 'node:url';
import { atMost, row, skipped, type Benchmark, type BenchRow } from './lib/bench.js';
import { missing } from './lib/features.js';
import { runWith } from './lib/run.js';

const WORKLOAD = fileURLToPath(new URL('./workloads/fixed-set.js', import.meta.url));
const SMALL = '64MiB';
const LARGE = '2GiB';

async function pauseP50(mode: string, mem: string): Promise<number> {
  const r = await runWith({ workload: WORKLOAD, mode, mem, duration: '600ms', 'epoch-ms': '25' });
  return r.pauseUs.p50;
}

/**
 * RAM-size scaling: median pause of a run with 2 GiB of guest RAM over one with 64 MiB,
 * the same 8 MiB written (bench/workloads/fixed-set.ts), runs interleaved. logdirty is
 * left out to keep the suite short (measured once at 1.74, spread [1.08, 3.49]).
 */
export const ramScaling: Benchmark = {
  name: 'ram-scaling',
  async run(ctx) {
    const rows: BenchRow[] = [];
    for (const mode of ['rfr', 'wfp', 'pml']) {
      const goal = atMost(1.3);
      const name = `RAM-size scaling (${mode}, ${LARGE} / ${SMALL})`;
      const why = missing({ modes: [mode] });
      if (why !== null) {
        rows.push(skipped(name, 'ratio', goal, why));
        continue;
      }
      const ratios: number[] = [];
      for (let r = 0; r < ctx.reps; r++) {
        const small = await pauseP50(mode, SMALL);
        const large = await pauseP50(mode, LARGE);
        ctx.log(`  ${mode}: pause p50 ${SMALL} ${small} us, ${LARGE} ${large} us`);
        ratios.push(large / small);
      }
      rows.push(row(name, 'ratio', goal, ratios));
    }
    return rows;
  },
};
