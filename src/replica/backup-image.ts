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
 *
 * A `mirror` image (the in-process backup) keeps its RAM in a SharedArrayBuffer that the
 * checkpointer writes in each pause, each dirty page at its own pfn: its epochs arrive
 * `mirrored`, with their pages already in place, and apply() takes their contexts. Its
 * RAM may then be one pause ahead of `committedEpoch`; read it only once the run is over.
 */
export class BackupImage {
  readonly ram: Uint8Array;
  readonly ram32: Uint32Array;
  readonly contexts: Float64Array[];
  committedEpoch = -1;

  constructor(readonly pages: number, readonly vcpus: number, readonly mirror = false) {
    const buf = mirror ? new SharedArrayBuffer(pages * PAGE_SIZE) : new ArrayBuffer(pages * PAGE_SIZE);
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
    if (img.mirrored === true && !this.mirror) throw new BackupError('MIRROR', `${at}: pages were copied into a mirror this backup does not have`);
    if (img.mirrored !== true && img.pages.length !== img.pfns.length * PAGE_SIZE) {
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
    // A mirrored epoch's pages are in place already.
    if (img.mirrored !== true) this.copyRuns(img.pfns, img.pages);
    img.contexts.forEach((c, v) => this.contexts[v].set(c));
    this.committedEpoch = img.epoch;
  }

  /** Runs of adjacent pfns are copied in one set(). */
  private copyRuns(pfns: Uint32Array, pages: Uint8Array): void {
    for (let i = 0; i < pfns.length; ) {
      let j = i + 1;
      while (j < pfns.length && pfns[j] === pfns[j - 1] + 1) j++;
      this.ram.set(pages.subarray(i * PAGE_SIZE, j * PAGE_SIZE), pfns[i] * PAGE_SIZE);
      i = j;
    }
  }

  /** Pages whose checksum differs from the primary's paused image (`mine`: this image's, taken in the same pause). */
  mismatchedPages(primarySums: Uint32Array, mine = imageChecksums(this.ram32, this.pages)): number[] {
    const bad: number[] = [];
    for (let p = 0; p < this.pages; p++) if (mine[p] !== primarySums[p]) bad.push(p);
    return bad;
  }
}
