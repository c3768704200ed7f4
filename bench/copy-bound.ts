import { atLeast, row, skipped, type Benchmark } from './lib/bench.js';
import { missing } from './lib/features.js';
import { runWith } from './lib/run.js';

const MEM = '256MiB';
const OPS = '4000000';

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
 * Copy-bound efficiency on gups over 256 MiB: the run time a perfect checkpointer would
 * need (native time + dirty bytes at memcpy speed, measured in the same repetition) over
 * the measured `--opt all` run time, both for the same number of updates.
 */
export const copyBound: Benchmark = {
  name: 'copy-bound',
  async run(ctx) {
    const name = 'copy-bound efficiency (gups 256 MiB, opt all)';
    const why = missing({ opt: true });
    if (why !== null) return [skipped(name, 'ratio', atLeast(0.8), why)];
    const ratios: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      const native = await runWith({ workload: 'gups', mode: 'native', mem: MEM, ops: OPS });
      const opt = await runWith({ workload: 'gups', mem: MEM, ops: OPS, 'epoch-ms': '25', opt: 'all' });
      const bw = memcpyBandwidth();
      const ideal = native.durationMs + ((opt.dirtyPages.total * 4096) / bw) * 1000;
      ctx.log(`  native ${native.durationMs} ms, opt ${opt.durationMs} ms, dirty ${opt.dirtyPages.total} pages, memcpy ${(bw / 1e9).toFixed(2)} GB/s`);
      ratios.push(ideal / opt.durationMs);
    }
    return [row(name, 'ratio', atLeast(0.8), ratios)];
  },
};
