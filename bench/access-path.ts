import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPORT_ONLY, row, type Benchmark } from './lib/bench.js';
import type { GuestLoopOptions, GuestLoopResult } from './lib/guest-loop.js';

const CHILD = fileURLToPath(new URL('./guest-loop-child.js', import.meta.url));
const MODES = ['dbit', 'pml', 'logdirty'] as const;
/** 32 MiB, about 25 ms of gups per epoch: every page dirtied, 16 log-full exits per pml epoch. */
const BASE = { workload: 'gups', memBytes: 32 << 20, epochOps: 131_072, epochs: 24, rawPort: false };

export async function guestLoop(options: GuestLoopOptions): Promise<GuestLoopResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, JSON.stringify(options)]);
  return JSON.parse(stdout.trim().split('\n').pop()!) as GuestLoopResult;
}

/**
 * The guest's rate between pauses with no scheduler in it: gups through the real access
 * path and vCPU fault port, one fresh process per run (bench/lib/guest-loop.ts), modes
 * rotated per repetition. pml / dbit is what PML's own work costs the guest (a log entry
 * per dirtied page, a log-full exit per 512); with the same faults and dirty pages, it
 * should be about 1.
 */
export const accessPath: Benchmark = {
  name: 'access-path',
  async run(ctx) {
    const rates = new Map<string, number[]>(MODES.map((m) => [m, []]));
    const exitP99: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
      const got: Record<string, GuestLoopResult> = {};
      for (const mode of order) got[mode] = await guestLoop({ ...BASE, mode });
      for (const mode of MODES) rates.get(mode)!.push(got[mode].opsPerSec);
      exitP99.push(got.pml.faultP99Us);
      ctx.log(`  rep ${r}: ${MODES.map((m) => `${m} ${(got[m].opsPerSec / 1e6).toFixed(2)}`).join(', ')} M ops/s; pml exit p99 ${got.pml.faultP99Us} us`);
    }
    const over = (a: string, b: string) => rates.get(a)!.map((x, i) => x / rates.get(b)![i]);
    return [
      row('access path: gups guest rate pml / dbit (32 MiB, single thread)', 'ratio', REPORT_ONLY, over('pml', 'dbit')),
      row('access path: gups guest rate logdirty / dbit (32 MiB, single thread)', 'ratio', REPORT_ONLY, over('logdirty', 'dbit')),
      row('access path: pml fault service p99 (its log-full exits)', 'us', REPORT_ONLY, exitP99),
    ];
  },
};
