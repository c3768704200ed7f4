import { allocateVm, attachVm } from '../src/vm/vm-buffers.js';
import { PAGE_SIZE } from '../src/vm/layout.js';
import { RUN_DEFAULTS } from '../src/config/run-config.js';
import { createPolicy } from '../src/tracking/modes.js';
import { directFaultMemory } from '../src/tracking/warm-up.js';
import type { TrackedMode, TrackingPolicy } from '../src/tracking/policy.js';
import { REPORT_ONLY, row, type Benchmark, type BenchRow } from './lib/bench.js';

const MODES: TrackedMode[] = ['logdirty', 'rfr', 'wfp', 'dbit', 'pml'];
const EPOCHS = 40;
const WARM_EPOCHS = 20; // the default history:16:1 fills its window first
/** A hotcold-like epoch at 256 MiB: a fixed hot set and fresh random cold pages, ~11k dirty. */
const CASES = [
  { name: '256 MiB, 4k hot + 8k cold', pages: 65536, hot: 4000, cold: 8000 },
  { name: '32 MiB, 6 pages', pages: 8192, hot: 6, cold: 0 },
];

/**
 * The tracking part of a pause: `collectDirty` + `resetForEpoch` of each mode, µs per
 * epoch, on the same dirty sets in one thread (no scheduler in the figure), modes
 * interleaved per repetition. The guest's stores go through the real access path with
 * faults serviced by a direct call, between epochs, untimed. wfp runs its default predictor.
 */
export const trackingPause: Benchmark = {
  name: 'tracking-pause',
  async run(ctx) {
    const rows: BenchRow[] = [];
    for (const c of CASES) {
      const samples = new Map<TrackedMode, number[]>(MODES.map((m) => [m, []]));
      for (let r = 0; r < ctx.reps; r++) {
        const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
        for (const mode of order) samples.get(mode)!.push(medianEpochUs(mode, c.pages, c.hot, c.cold, r + 1));
        ctx.log(`  ${c.name} rep ${r}: ${MODES.map((m) => `${m} ${samples.get(m)![r].toFixed(1)}`).join(', ')} us`);
      }
      for (const mode of MODES) rows.push(row(`tracking pause ${mode} (${c.name})`, 'us/epoch', REPORT_ONLY, samples.get(mode)!));
    }
    return rows;
  },
};

function medianEpochUs(mode: TrackedMode, pages: number, hot: number, cold: number, seed: number): number {
  const vm = attachVm(allocateVm(pages, 1));
  const policy = createPolicy(mode, vm, { predictor: RUN_DEFAULTS.predictor });
  const mem = directFaultMemory(mode, vm);
  policy.start();
  let s = seed;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const times: number[] = [];
  for (let e = 0; e < EPOCHS; e++) {
    for (let i = 0; i < hot; i++) mem.store32(((i * 7) % pages) * PAGE_SIZE, e);
    for (let i = 0; i < cold; i++) mem.store32(Math.floor(random() * pages) * PAGE_SIZE, e);
    const t0 = performance.now();
    collectAndReset(policy);
    if (e >= WARM_EPOCHS) times.push((performance.now() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[times.length >>> 1];
}

function collectAndReset(policy: TrackingPolicy): void {
  policy.resetForEpoch(policy.collectDirty());
}
