import { atLeast, REPORT_ONLY, row, skipped, type Benchmark, type BenchRow } from './lib/bench.js';
import { missing } from './lib/features.js';
import { runWith } from './lib/run.js';

const WORKLOADS = ['hotcold', 'kv'];
// --opt all picks the mode and engines itself (assumed from the issue's wording).
const OPT_ALL = { opt: 'all' };

async function tput(workload: string, flags: Record<string, string>): Promise<number> {
  const r = await runWith({ workload, mem: '256MiB', duration: '1500ms', 'epoch-ms': '25', ...flags });
  return r.throughput.opsPerSec;
}

/**
 * HBFT overhead (--opt all / native) and optimization gain (--opt all / logdirty) on
 * hotcold and kv, 25 ms epochs; the three runs of a repetition back to back, order
 * rotated. Until --opt exists, logdirty / native is reported as the baseline.
 */
export const hbftOverhead: Benchmark = {
  name: 'hbft-overhead',
  async run(ctx) {
    const why = missing({ opt: true });
    const rows: BenchRow[] = [];
    for (const w of WORKLOADS) {
      const configs: Record<string, Record<string, string>> = { native: { mode: 'native' }, logdirty: { mode: 'logdirty' } };
      if (why === null) configs.opt = OPT_ALL;
      const names = Object.keys(configs);
      const got: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
      for (let r = 0; r < ctx.reps; r++) {
        const order = names.map((_, i) => names[(i + r) % names.length]);
        for (const n of order) got[n].push(await tput(w, configs[n]));
        ctx.log(`  ${w}: ${names.map((n) => `${n} ${got[n][r]} ops/s`).join(', ')}`);
      }
      const ratio = (a: string, b: string) => got[a].map((x, i) => x / got[b][i]);
      rows.push(row(`logdirty / native (${w})`, 'ratio', REPORT_ONLY, ratio('logdirty', 'native')));
      if (why === null) {
        rows.push(row(`HBFT overhead: opt all / native (${w})`, 'ratio', atLeast(0.8), ratio('opt', 'native')));
        rows.push(row(`optimization gain: opt all / logdirty (${w})`, 'ratio', atLeast(1.4), ratio('opt', 'logdirty')));
      } else {
        rows.push(skipped(`HBFT overhead: opt all / native (${w})`, 'ratio', atLeast(0.8), why));
        rows.push(skipped(`optimization gain: opt all / logdirty (${w})`, 'ratio', atLeast(1.4), why));
      }
    }
    return rows;
  },
};
