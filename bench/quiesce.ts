import { RUN_DEFAULTS } from '../src/cli/config.js';
import { atMost, REPORT_ONLY, row, type Benchmark, type BenchRow } from './lib/bench.js';
import { runWith } from './lib/run.js';

const STEPS = [256, RUN_DEFAULTS.stepOps, 4096].filter((s, i, a) => a.indexOf(s) === i).sort((a, b) => a - b);

/**
 * Quiesce: p99 of the quiesceUs histogram (pause request until every vCPU is parked) of
 * a real run, 1 vCPU, seqwrite under logdirty, 25 ms epochs, at the default --step-ops.
 * Beside it, the --step-ops trade-off: quiesce p99 and native throughput at other step
 * sizes, relative to the default, all runs interleaved.
 */
export const quiesce: Benchmark = {
  name: 'quiesce',
  async run(ctx) {
    const q: Record<number, number[]> = {};
    const tput: Record<number, number[]> = {};
    for (const s of STEPS) { q[s] = []; tput[s] = []; }
    for (let r = 0; r < ctx.reps; r++) {
      for (const s of r % 2 === 0 ? STEPS : [...STEPS].reverse()) {
        const t = await runWith({ workload: 'seqwrite', mode: 'logdirty', mem: '64MiB', duration: '1s', 'epoch-ms': '25', 'step-ops': String(s) });
        const n = await runWith({ workload: 'seqwrite', mode: 'native', mem: '64MiB', duration: '500ms', 'step-ops': String(s) });
        q[s].push(t.quiesceUs.p99);
        tput[s].push(n.throughput.opsPerSec);
        ctx.log(`  step ${s}: quiesce p50 ${t.quiesceUs.p50} p99 ${t.quiesceUs.p99} us (${t.epochs} epochs), native ${n.throughput.opsPerSec} ops/s`);
      }
    }
    const def = RUN_DEFAULTS.stepOps;
    const rows: BenchRow[] = [row(`quiesce p99 (seqwrite, logdirty, step ${def})`, 'us', atMost(100), q[def])];
    for (const s of STEPS) {
      if (s === def) continue;
      rows.push(row(`quiesce p99 at step ${s}`, 'us', REPORT_ONLY, q[s]));
      rows.push(row(`native throughput step ${s} / step ${def}`, 'ratio', REPORT_ONLY, tput[s].map((x, i) => x / tput[def][i])));
    }
    return rows;
  },
};
