import type { EpochImage } from '../epoch/epoch-image.js';
import { imageChecksums } from '../epoch/page-checksum.js';
import { CTX_SLOTS, PAGE_SIZE } from '../vm/layout.js';
import { HbftError } from '../base/errors.js';

export class BackupError extends HbftError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * The backup's last committed image: guest RAM and vCPU contexts as of the last applied
 * checkpoint. An epoch is checked whole before any byte of it is applied.
 */
export class BackupImage {
  readonly ram: Uint8Array;
  readonly ram32: Uint32Array;
  readonly contexts: Float64Array[];
  committedEpoch = -1;

  constructor(readonly pages: number, readonly vcpus: number) {
    const buf = new ArrayBuffer(pages * PAGE_SIZE);
    this.ram = new Uint8Array(buf);
    this.ram32 = new Uint32Array(buf);
    this.contexts = Array.from({ length: vcpus }, () => new Float64Array(CTX_SLOTS));
  }

  /** Check that `img` is the next epoch and well formed; throws BackupError otherwise. */
  check(img: EpochImage): void {
    const at = `epoch ${img.epoch}`;
    if (img.epoch !== this.committedEpoch + 1) {
      throw new BackupError('EPOCH_ORDER', `${at}: expected epoch ${this.committedEpoch + 1}`);
    }
    if (img.guestPages !== this.pages) throw new BackupError('GEOMETRY', `${at}: guest has ${img.guestPages} pages, backup ${this.pages}`);
    if (img.pages.length !== img.pfns.length * PAGE_SIZE) {
      throw new BackupError('LENGTH', `${at}: ${img.pfns.length} pfns but ${img.pages.length} bytes of page data`);
    }
    let last = -1;
    for (const pfn of img.pfns) {
      if (pfn >= this.pages) throw new BackupError('PFN_RANGE', `${at}: pfn 0x${pfn.toString(16)} beyond guest RAM (${this.pages} pages)`);
      if (pfn <= last) throw new BackupError('PFN_ORDER', `${at}: pfn 0x${pfn.toString(16)} out of order`);
      last = pfn;
    }
    if (img.contexts.length !== this.vcpus) throw new BackupError('CONTEXTS', `${at}: ${img.contexts.length} vCPU contexts, want ${this.vcpus}`);
  }

  /** Check, then apply: the image becomes the committed state. */
  apply(img: EpochImage): void {
    this.check(img);
    const { pfns, pages } = img;
    // Runs of adjacent pfns are copied in one set().
    for (let i = 0; i < pfns.length; ) {
      let j = i + 1;
      while (j < pfns.length && pfns[j] === pfns[j - 1] + 1) j++;
      this.ram.set(pages.subarray(i * PAGE_SIZE, j * PAGE_SIZE), pfns[i] * PAGE_SIZE);
      i = j;
    }
    img.contexts.forEach((c, v) => this.contexts[v].set(c));
    this.committedEpoch = img.epoch;
  }

  /** Pages whose checksum differs from the primary's paused image. */
  mismatchedPages(primarySums: Uint32Array): number[] {
    const mine = imageChecksums(this.ram32, this.pages);
    const bad: number[] = [];
    for (let p = 0; p < this.pages; p++) if (mine[p] !== primarySums[p]) bad.push(p);
    return bad;
  }
}
