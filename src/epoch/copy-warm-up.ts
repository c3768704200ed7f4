import { PAGE_SIZE } from '../vm/layout.js';
import { createCopyEngine, type CopyEngineName } from './copy-engine.js';
import { allocateCopyBoard, attachCopyBoard, copyClaimedChunks, stageJob } from './parallel-copy.js';

/** Two 2 MiB regions and a bit, so runs cross a region's end. */
const PAGES = 1024 + 64;
const ROUNDS = 4;

/**
 * Run a copy engine's pause copy, alone and by claimed chunks as the copiers and the
 * parked vCPU take them, over scratch buffers of its own, on the thread that will copy:
 * scattered pages, runs, both placements. Without it V8 compiled `copyRange` in each
 * copying thread (7-9 ms of compiler time each, `--trace-opt`) during the first pauses
 * of a run, on the same two cores as the pause. A few ms; the run's own buffers are not
 * touched. Returns the pages it copied.
 */
export function warmUpCopy(name: CopyEngineName): number {
  const ram = new SharedArrayBuffer(PAGES * PAGE_SIZE);
  const engine = createCopyEngine(name, ram);
  const mirror = new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE));
  const staging = new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE));
  const board = attachCopyBoard(allocateCopyBoard(PAGES));
  let s = 1;
  let copied = 0;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pfns = new Uint32Array(PAGES);
  for (let round = 1; round <= ROUNDS; round++) {
    // About a third of the pages: single pages and runs of two or more.
    let n = 0;
    for (let pfn = 0; pfn < PAGES; pfn++) if (random() < 0.35) pfns[n++] = pfn;
    const list = pfns.subarray(0, n);
    engine.copy(list, mirror, 'mirror');
    engine.copy(list, staging, 'packed');
    stageJob(board, list, round);
    copied += 2 * n + copyClaimedChunks(board, engine, mirror, 'mirror', n, round);
  }
  return copied;
}
