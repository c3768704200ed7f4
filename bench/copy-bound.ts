import { atLeast, row, skipped, type Benchmark, type BenchRow } from './lib/bench.js';
import { missing } from './lib/features.js';
import { runWith } from './lib/run.js';

const MEM = '256MiB';
/** Operations per run, sized so the --opt all run takes about a second here. */
const OPS: Record<string, string> = { gups: '1500000', hotcold: '700000', kv: '1000000' };

/** memcpy bandwidth of this machine now, bytes/s: one 64 MiB Uint8Array.set, warm buffers. */
function memcpyBandwidth(): number {
  const a = new Uint8Array(64 << 20).fill(1);
  const b = new Uint8Array(64 << 20).fill(2);
  b.set(a);
  const t0 = performance.now();
  b.set(a);
  return a.length / ((performance.now() - t0) / 1000);
}

/**
 * Copy-bound efficiency over 256 MiB, per workload: the run time a perfect checkpointer
 * would need (native time + dirty bytes at memcpy speed, measured in the same
 * repetition) over the measured `--opt all` run time, both for the same operations.
 */
export const copyBound: Benchmark = {
  name: 'copy-bound',
  async run(ctx) {
    const why = missing({ opt: true });
    const rows: BenchRow[] = [];
    for (const w of Object.keys(OPS)) {
      const name = `copy-bound efficiency (${w} 256 MiB, opt all)`;
      if (why !== null) {
        rows.push(skipped(name, 'ratio', atLeast(0.8), why));
        continue;
      }
      const ratios: number[] = [];
      for (let r = 0; r < ctx.reps; r++) {
        const flags = { workload: w, mem: MEM, ops: OPS[w] };
        const first = r % 2 === 0 ? await runWith({ ...flags, mode: 'native' }) : null;
        const opt = await runWith({ ...flags, 'epoch-ms': '25', opt: 'all' });
        const native = first ?? await runWith({ ...flags, mode: 'native' });
        const bw = memcpyBandwidth();
        const ideal = native.durationMs + ((opt.dirtyPages.total * 4096) / bw) * 1000;
        ctx.log(`  ${w}: native ${native.durationMs} ms, opt ${opt.durationMs} ms, dirty ${opt.dirtyPages.total} pages, memcpy ${(bw / 1e9).toFixed(2)} GB/s`);
        ratios.push(ideal / opt.durationMs);
      }
      rows.push(row(name, 'ratio', atLeast(0.8), ratios));
    }
    return rows;
  },
};
