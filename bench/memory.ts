import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPORT_ONLY, atMost, row, type Benchmark } from './lib/bench.js';

const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const FLAGS = { workload: 'gups', mode: 'logdirty', duration: '1s', 'epoch-ms': '25' };
// The goal is held on 1 GiB: Node itself, four isolates and the WebAssembly histograms
// take about 160 MiB whatever the guest size (measured with a 16 MiB guest), which is
// not per guest byte. 256 MiB is reported beside it.
const SIZES = [{ mem: '1GiB', goal: true }, { mem: '256MiB', goal: false }] as const;

/**
 * Memory: peak RSS of a child process running one checkpointed run with the in-process
 * backup, over its guest RAM size. gups touches its whole table, so all guest RAM is
 * resident.
 */
export const memory: Benchmark = {
  name: 'memory',
  async run(ctx) {
    const ratios: number[][] = SIZES.map(() => []);
    for (let r = 0; r < ctx.reps; r++) {
      for (const [i, size] of SIZES.entries()) {
        const { stdout } = await promisify(execFile)(process.execPath, [CHILD, JSON.stringify({ ...FLAGS, mem: size.mem })], { maxBuffer: 1 << 24 });
        const m = JSON.parse(stdout.trim().split('\n').pop()!) as { maxRssBytes: number; memBytes: number };
        ctx.log(`  peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB for ${(m.memBytes / 2 ** 20).toFixed(0)} MiB of guest RAM`);
        ratios[i].push(m.maxRssBytes / m.memBytes);
      }
    }
    return SIZES.map((size, i) =>
      row(`memory: peak RSS / guest RAM (gups ${size.mem}, in-process backup)`, 'ratio', size.goal ? atMost(2.3) : REPORT_ONLY, ratios[i]));
  },
};
