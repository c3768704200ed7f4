import { PAGE_SIZE, PER_PAGE_BATCH } from '../memory/layout.js';

export const COPY_ENGINES = ['per-page'] as const;
export type CopyEngineName = (typeof COPY_ENGINES)[number];

/** Copies the listed guest pages into a staging buffer, in pfn order. */
export interface CopyEngine {
  readonly name: CopyEngineName;
  copy(pfns: Uint32Array, staging: Uint8Array): void;
}

/**
 * The baseline copier (Remus over xc_map_foreign_bulk): every epoch, each batch of at
 * most 1,024 pages is mapped (here: one view per page), copied and unmapped.
 */
export class PerPageCopyEngine implements CopyEngine {
  readonly name = 'per-page' as const;

  constructor(private readonly ram: SharedArrayBuffer) {}

  copy(pfns: Uint32Array, staging: Uint8Array): void {
    for (let start = 0; start < pfns.length; start += PER_PAGE_BATCH) {
      const end = Math.min(start + PER_PAGE_BATCH, pfns.length);
      const mapping = this.mapBatch(pfns, start, end);
      for (let i = 0; i < mapping.length; i++) staging.set(mapping[i], (start + i) * PAGE_SIZE);
      // The mapping is dropped here: the next epoch maps its batches again.
    }
  }

  private mapBatch(pfns: Uint32Array, start: number, end: number): Uint8Array[] {
    const views = new Array<Uint8Array>(end - start);
    for (let i = start; i < end; i++) views[i - start] = new Uint8Array(this.ram, pfns[i] * PAGE_SIZE, PAGE_SIZE);
    return views;
  }
}

export function createCopyEngine(name: CopyEngineName, ram: SharedArrayBuffer): CopyEngine {
  switch (name) {
    case 'per-page':
      return new PerPageCopyEngine(ram);
  }
}
