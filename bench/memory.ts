import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { atMost, row, type Benchmark } from './lib/bench.js';

const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const FLAGS = { workload: 'gups', mode: 'logdirty', mem: '256MiB', duration: '1s', 'epoch-ms': '25' };

/**
 * Memory: peak RSS of a child process running one checkpointed run with the in-process
 * backup, over its guest RAM size. gups touches its whole table, so all guest RAM is
 * resident.
 */
export const memory: Benchmark = {
  name: 'memory',
  async run(ctx) {
    const ratios: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      const { stdout } = await promisify(execFile)(process.execPath, [CHILD, JSON.stringify(FLAGS)]);
      const m = JSON.parse(stdout.trim().split('\n').pop()!) as { maxRssBytes: number; memBytes: number };
      ctx.log(`  peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB for ${(m.memBytes / 2 ** 20).toFixed(0)} MiB of guest RAM`);
      ratios.push(m.maxRssBytes / m.memBytes);
    }
    return [row(`memory: peak RSS / guest RAM (gups ${FLAGS.mem}, in-process backup)`, 'ratio', atMost(2.3), ratios)];
  },
};
