import { PAGE_SIZE, PER_PAGE_BATCH, SUPERPAGE_PAGES, SUPERPAGE_SIZE } from '../vm/layout.js';

export const COPY_ENGINES = ['per-page', 'superpage'] as const;
export type CopyEngineName = (typeof COPY_ENGINES)[number];

/**
 * Where a copy puts page pfns[i]: `packed` at i * PAGE_SIZE (a staging buffer, in pfn
 * order), `mirror` at pfns[i] * PAGE_SIZE (a buffer laid out like guest RAM: the
 * in-process backup's image, written in the pause).
 */
export type Placement = 'packed' | 'mirror';

/** Copies the listed guest pages into a staging buffer (in pfn order) or a mirror of guest RAM. */
export interface CopyEngine {
  readonly name: CopyEngineName;
  copy(pfns: Uint32Array, dest: Uint8Array, placement?: Placement): void;
  /** Pages pfns[from..to) only, each to its place in the whole list's destination (parallel-copy.ts splits a list this way). */
  copyRange(pfns: Uint32Array, from: number, to: number, dest: Uint8Array, placement?: Placement): void;
}

/**
 * The baseline copier (Remus over xc_map_foreign_bulk): every epoch, each batch of at
 * most 1,024 pages is mapped (here: one view per page), copied and unmapped.
 */
export class PerPageCopyEngine implements CopyEngine {
  readonly name = 'per-page' as const;

  constructor(private readonly ram: SharedArrayBuffer) {}

  copy(pfns: Uint32Array, dest: Uint8Array, placement: Placement = 'packed'): void {
    this.copyRange(pfns, 0, pfns.length, dest, placement);
  }

  copyRange(pfns: Uint32Array, from: number, to: number, dest: Uint8Array, placement: Placement = 'packed'): void {
    const mirror = placement === 'mirror';
    for (let start = from; start < to; start += PER_PAGE_BATCH) {
      const end = Math.min(start + PER_PAGE_BATCH, to);
      const mapping = this.mapBatch(pfns, start, end);
      for (let i = 0; i < mapping.length; i++) dest.set(mapping[i], (mirror ? pfns[start + i] : start + i) * PAGE_SIZE);
      // The mapping is dropped here: the next epoch maps its batches again.
    }
  }

  private mapBatch(pfns: Uint32Array, start: number, end: number): Uint8Array[] {
    const views = new Array<Uint8Array>(end - start);
    for (let i = start; i < end; i++) views[i - start] = new Uint8Array(this.ram, pfns[i] * PAGE_SIZE, PAGE_SIZE);
    return views;
  }
}

/** Runs of pages the superpage engine makes views of before it copies them. */
const RUN_BATCH = 1024;

/**
 * The software superpage: guest RAM is mapped in 2 MiB regions, each mapped on first use
 * and kept across epochs, and each run of adjacent dirty pages in a region is copied
 * in one operation.
 */
export class SuperpageCopyEngine implements CopyEngine {
  readonly name = 'superpage' as const;
  private readonly regions: (Uint8Array | undefined)[];
  // Views of up to RUN_BATCH runs are made first and then copied in one loop, each made
  // directly rather than by region.subarray: on scattered pages 0.58 -> 0.65 of memcpy
  // speed (bench copy-methods), against making each view by subarray just before its copy.
  private readonly runs: (Uint8Array | undefined)[] = emptySlots(RUN_BATCH);
  private readonly runDest = new Float64Array(RUN_BATCH);

  constructor(private readonly ram: SharedArrayBuffer) {
    this.regions = emptySlots(Math.ceil(ram.byteLength / SUPERPAGE_SIZE));
  }

  copy(pfns: Uint32Array, dest: Uint8Array, placement: Placement = 'packed'): void {
    this.copyRange(pfns, 0, pfns.length, dest, placement);
  }

  copyRange(pfns: Uint32Array, from: number, to: number, dest: Uint8Array, placement: Placement = 'packed'): void {
    const mirror = placement === 'mirror';
    const { runs, runDest } = this;
    let n = 0;
    for (let i = from; i < to; ) {
      const first = pfns[i];
      const r = Math.floor(first / SUPERPAGE_PAGES);
      const regionEnd = (r + 1) * SUPERPAGE_PAGES;
      let j = i + 1;
      while (j < to && pfns[j] === pfns[j - 1] + 1 && pfns[j] < regionEnd) j++;
      const region = this.regions[r] ?? this.map(r);
      runs[n] = new Uint8Array(region.buffer, region.byteOffset + (first - r * SUPERPAGE_PAGES) * PAGE_SIZE, (j - i) * PAGE_SIZE);
      runDest[n++] = (mirror ? first : i) * PAGE_SIZE;
      if (n === RUN_BATCH) n = copyRuns(runs, runDest, n, dest);
      i = j;
    }
    copyRuns(runs, runDest, n, dest);
  }

  private map(r: number): Uint8Array {
    const start = r * SUPERPAGE_SIZE;
    const view = new Uint8Array(this.ram, start, Math.min(SUPERPAGE_SIZE, this.ram.byteLength - start));
    this.regions[r] = view;
    return view;
  }
}

/**
 * An array of n undefined slots in the elements kind it keeps once views are stored in
 * it. `new Array(n)` starts as holey small integers and changes kind at its first store,
 * so a second engine (the run's, after the warm-up's) met code compiled for the later
 * kind and threw it away at its first copy.
 */
function emptySlots(n: number): (Uint8Array | undefined)[] {
  return new Array<Uint8Array | undefined>(n).fill(undefined);
}

/** Copy runs[0..n) to their offsets in dest; returns 0 (the batch is empty again). */
function copyRuns(runs: (Uint8Array | undefined)[], runDest: Float64Array, n: number, dest: Uint8Array): number {
  for (let k = 0; k < n; k++) dest.set(runs[k]!, runDest[k]);
  return 0;
}

export function createCopyEngine(name: CopyEngineName, ram: SharedArrayBuffer): CopyEngine {
  switch (name) {
    case 'per-page':
      return new PerPageCopyEngine(ram);
    case 'superpage':
      return new SuperpageCopyEngine(ram);
  }
}
