// A receiver-side image of guest pages built from committed epochs: the XOR base of
// the compressed variant for readers without a VM (inspect, tests). The backup uses
// its own RAM for that.
import { PAGE_SIZE } from '../vm/layout.js';
import type { EpochImage } from '../epoch/epoch-image.js';

export class PageImage {
  private readonly pages = new Map<number, Uint8Array>();

  /** Copies a committed epoch's pages in (its buffers are only lent). */
  apply(epoch: EpochImage): void {
    epoch.pfns.forEach((pfn, i) => {
      const src = epoch.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      const held = this.pages.get(pfn);
      if (held) held.set(src);
      else this.pages.set(pfn, src.slice());
    });
  }

  page(pfn: number): Uint8Array | undefined {
    return this.pages.get(pfn);
  }

  get size(): number {
    return this.pages.size;
  }
}
