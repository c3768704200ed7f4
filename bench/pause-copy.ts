import { Checkpointer } from '../src/epoch/checkpointer.js';
import { startCopierThreads } from '../src/epoch/copier-threads.js';
import { COPY_ENGINES, createCopyEngine, type CopyEngineName } from '../src/epoch/copy-engine.js';
import { StagingPool } from '../src/epoch/staging-pool.js';
import { COPY_SPLIT_MIN_PAGES, PAGE_SIZE } from '../src/vm/layout.js';
import { allocateVm, attachVm } from '../src/vm/vm-buffers.js';
import { markDirty } from '../src/tracking/dirty-bitmap.js';
import { createPolicy } from '../src/tracking/modes.js';
import { atLeast, row, skipped, type Benchmark, type BenchRow } from './lib/bench.js';
import { hasCopyEngine } from './lib/features.js';

const GUEST_PAGES = 65536; // 256 MiB
const DIRTY_PAGES = 8192; // 32 MiB, one dense run: the copy-bound case
const ENGINES = ['per-page', 'superpage'];

/**
 * Pause copy: bytes per second of the Checkpointer's copy step (its copyUs: staging
 * buffer from the pool, page copy, contexts) over one Uint8Array.set of the same dense range into
 * a warm buffer, i.e. memcpy, in the same thread, interleaved.
 */
export const pauseCopy: Benchmark = {
  name: 'pause-copy',
  async run(ctx) {
    const rows: BenchRow[] = [];
    for (const name of ENGINES) {
      const label = `pause copy (${name}, ${(DIRTY_PAGES * PAGE_SIZE) >> 20} MiB dense)`;
      if (!hasCopyEngine(name)) {
        rows.push(skipped(label, 'ratio', atLeast(0.7), `copy engine ${name} not available (have ${COPY_ENGINES.join(', ')})`));
        continue;
      }
      rows.push(row(label, 'ratio', atLeast(0.7), await measure(name as CopyEngineName, 0, ctx.reps, ctx.log)));
      // The same copy shared with one copier thread (docs/design.md, Copy engines): can exceed 1.
      rows.push(row(`${label}, 1 copier thread`, 'ratio', atLeast(0.7), await measure(name as CopyEngineName, 1, ctx.reps, ctx.log)));
    }
    return rows;
  },
};

async function measure(engine: CopyEngineName, copyThreads: number, reps: number, log: (l: string) => void): Promise<number[]> {
  const buffers = allocateVm(GUEST_PAGES, 1);
  const vm = attachVm(buffers);
  for (let i = 0; i < vm.ram32.length; i += 1024) vm.ram32[i] = i; // every page resident
  const policy = createPolicy('logdirty', vm, { predictor: 'last' });
  // As in a run, the backup hands each applied staging buffer back to the pool.
  let applied: ArrayBufferLike | undefined;
  const refill = () => {
    const b = applied;
    applied = undefined;
    return b;
  };
  const copiers = copyThreads > 0 ? startCopierThreads(copyThreads, buffers.ram, engine, COPY_SPLIT_MIN_PAGES) : null;
  const pool = copiers === null ? new StagingPool(refill) : new StagingPool(refill, (bytes) => new SharedArrayBuffer(bytes));
  const cp = new Checkpointer(vm, policy, copiers?.engine ?? createCopyEngine(engine, buffers.ram), false, () => performance.now(), pool);
  cp.initial();
  const warm = new Uint8Array(DIRTY_PAGES * PAGE_SIZE);
  warm.fill(1);
  const src = vm.ram8.subarray(0, DIRTY_PAGES * PAGE_SIZE);
  const memcpyUs = () => {
    const t0 = performance.now();
    warm.set(src);
    return (performance.now() - t0) * 1000;
  };
  const engineUs = (epoch: number) => {
    for (let p = 0; p < DIRTY_PAGES; p++) markDirty(vm.bitmap, p);
    const { counts, image } = cp.checkpoint(epoch, false);
    if (image.pfns.length !== DIRTY_PAGES) throw new Error(`pause copy: ${image.pfns.length} pages collected, want ${DIRTY_PAGES}`);
    applied = image.pages.buffer;
    return counts.copyUs;
  };
  await copiers?.online;
  engineUs(1); // warm-up
  memcpyUs();
  const ratios: number[] = [];
  for (let r = 0; r < reps; r++) {
    let e: number;
    let m: number;
    if (r % 2 === 0) {
      e = engineUs(r + 2);
      m = memcpyUs();
    } else {
      m = memcpyUs();
      e = engineUs(r + 2);
    }
    ratios.push(m / e); // (bytes / e) / (bytes / m)
    log(`  ${engine}, ${copyThreads} copier(s): engine ${e.toFixed(0)} us, memcpy ${m.toFixed(0)} us`);
  }
  if (copiers !== null) log(`  copies shared ${copiers.engine.split}, run alone (copier busy) ${copiers.engine.busySkips}, pages by the copier ${copiers.engine.pagesByCopiers}`);
  await copiers?.stop();
  return ratios;
}
