import type { EpochImage } from '../epoch/epoch-image.js';
import { pageChecksum } from '../epoch/page-checksum.js';
import { CTX_SLOTS, PAGE_SIZE, WORDS_PER_PAGE } from '../vm/layout.js';
import { HbftError } from '../base/errors.js';

export class BackupError extends HbftError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Adopted epochs whose buffers the image keeps before it copies their live pages out. */
export const MAX_HELD = 2;

/**
 * `commit` adopts an epoch only if it rewrote at least this share of the previous epoch's
 * pages. Below it (gups: random pages, a few percent rewritten) a held buffer would save
 * little copying and cost a staging buffer's worth of memory, so the epoch is copied.
 */
export const ADOPT_MIN_REWRITE = 0.25;

/** An adopted epoch: its staging buffer now holds the committed copy of `live` of its pages. */
interface Held {
  readonly image: EpochImage;
  live: number;
}

/** Where a page of the committed image lives: in `base`, or in an adopted epoch's buffer. */
const IN_BASE = -1;

/**
 * The backup's last committed image: guest RAM and vCPU contexts as of the last applied
 * checkpoint. An epoch is checked whole before any byte of it is applied.
 *
 * Two ways in (docs/design.md, Backup, stream and link). `apply` copies the pages into
 * the base image. `adopt` copies nothing: the image takes the epoch's staging buffer as
 * the committed copy of its pages (a page table, `owner`/`slot`, says which buffer holds
 * each page), so a page the guest rewrites within the next epochs is never copied a
 * second time. A buffer goes back (`release`) once no page of the image lives in it:
 * when later epochs have overwritten all its pages, or when more than MAX_HELD epochs are
 * held and its remaining live pages are copied into the base (oldest first).
 */
export class BackupImage {
  private readonly base: Uint8Array;
  private readonly base32: Uint32Array;
  readonly contexts: Float64Array[];
  committedEpoch = -1;
  /** Per pfn: the epoch whose buffer holds it, or IN_BASE. */
  private readonly owner: Int32Array;
  /** Per pfn held in a buffer: its index in that epoch's pfns. */
  private readonly slot: Int32Array;
  /** Adopted epochs still referenced, oldest first. */
  private readonly held: Held[] = [];
  private release: (image: EpochImage) => void = () => {};
  /** Per pfn: the last committed epoch that wrote it (for the rewrite share), -1 never. */
  private readonly lastWritten: Int32Array;
  private lastCount = 0;
  /** Pages adopted, and pages later copied out of an adopted buffer into the base (bench, tests). */
  adoptedPages = 0;
  compactedPages = 0;

  constructor(readonly pages: number, readonly vcpus: number, private readonly maxHeld = MAX_HELD) {
    const buf = new ArrayBuffer(pages * PAGE_SIZE);
    this.base = new Uint8Array(buf);
    this.base32 = new Uint32Array(buf);
    this.owner = new Int32Array(pages).fill(IN_BASE);
    this.slot = new Int32Array(pages);
    this.lastWritten = new Int32Array(pages).fill(-1);
    this.contexts = Array.from({ length: vcpus }, () => new Float64Array(CTX_SLOTS));
  }

  /** The whole committed RAM, contiguous: copies every held page into the base first. */
  get ram(): Uint8Array {
    this.settle();
    return this.base;
  }

  get ram32(): Uint32Array {
    this.settle();
    return this.base32;
  }

  /** Buffers the image still references (adopted, not yet released). */
  get heldEpochs(): number {
    return this.held.length;
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

  /**
   * Commit `img` the cheaper way: adopt it when it rewrote at least ADOPT_MIN_REWRITE of
   * the previous epoch's pages and its pages are its own (not guest RAM: epoch 0), copy
   * it otherwise. `release` is called for it (at once when copied) as for adopt.
   */
  commitEpoch(img: EpochImage, release: (image: EpochImage) => void): void {
    this.check(img);
    if (img.epoch === 0 || img.pages.buffer instanceof SharedArrayBuffer || this.rewriteShare(img) < ADOPT_MIN_REWRITE) {
      this.apply(img);
      release(img);
    } else {
      this.adopt(img, release);
    }
  }

  /** The share of the previous committed epoch's pages that `img` writes again. */
  rewriteShare(img: EpochImage): number {
    if (this.lastCount === 0) return 0;
    const prev = img.epoch - 1;
    let again = 0;
    for (const pfn of img.pfns) if (this.lastWritten[pfn] === prev) again++;
    return again / this.lastCount;
  }

  /** Check, then copy: the image becomes the committed state and keeps no view of `img.pages`. */
  apply(img: EpochImage): void {
    this.check(img);
    const { pfns, pages } = img;
    // Runs of adjacent pfns are copied in one set().
    for (let i = 0; i < pfns.length; ) {
      let j = i + 1;
      while (j < pfns.length && pfns[j] === pfns[j - 1] + 1) j++;
      this.base.set(pages.subarray(i * PAGE_SIZE, j * PAGE_SIZE), pfns[i] * PAGE_SIZE);
      for (let k = i; k < j; k++) this.drop(pfns[k]);
      i = j;
    }
    this.commit(img);
  }

  /**
   * Check, then take `img.pages` as the committed copy of its pages without copying them.
   * `release` is called, once per adopted image, when the image no longer references its
   * buffer (possibly later, from another adopt, or at once for an empty epoch); never
   * while a page of the committed image lives in it. The caller must not write the buffer
   * until then. Epochs whose pages are not their own (epoch 0 is guest RAM) must use apply.
   */
  adopt(img: EpochImage, release: (image: EpochImage) => void): void {
    this.check(img);
    this.release = release;
    const { pfns } = img;
    const e = img.epoch;
    // Nothing below can throw: the new page table is installed whole.
    for (let i = 0; i < pfns.length; i++) {
      const pfn = pfns[i];
      this.drop(pfn);
      this.owner[pfn] = e;
      this.slot[pfn] = i;
    }
    this.commit(img);
    this.adoptedPages += pfns.length;
    this.held.push({ image: img, live: pfns.length });
    this.releaseDead();
    while (this.held.length > this.maxHeld) this.compact(this.held.shift()!);
  }

  /** One page of the committed image (a view: valid until the next apply or adopt). */
  page(pfn: number): Uint8Array {
    const e = this.owner[pfn];
    if (e === IN_BASE) return this.base.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    const i = this.slot[pfn];
    return this.find(e).image.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  }

  /** Copy every held page into the base and release every buffer. */
  settle(): void {
    while (this.held.length > 0) this.compact(this.held.shift()!);
  }

  /** Pages whose checksum differs from the primary's paused image. */
  mismatchedPages(primarySums: Uint32Array): number[] {
    const bad: number[] = [];
    for (let p = 0; p < this.pages; p++) if (this.pageSum(p) !== primarySums[p]) bad.push(p);
    return bad;
  }

  private pageSum(pfn: number): number {
    const e = this.owner[pfn];
    if (e === IN_BASE) return pageChecksum(this.base32, pfn);
    const page = this.page(pfn);
    // A word view needs 4-byte alignment; staging buffers start at offset 0.
    const words = page.byteOffset % 4 === 0 ? new Uint32Array(page.buffer, page.byteOffset, WORDS_PER_PAGE) : new Uint32Array(page.slice().buffer);
    return pageChecksum(words, 0);
  }

  private commit(img: EpochImage): void {
    for (const pfn of img.pfns) this.lastWritten[pfn] = img.epoch;
    this.lastCount = img.pfns.length;
    img.contexts.forEach((c, v) => this.contexts[v].set(c));
    this.committedEpoch = img.epoch;
  }

  /** The page is about to be overwritten: its old holder loses one live page. */
  private drop(pfn: number): void {
    const e = this.owner[pfn];
    if (e === IN_BASE) return;
    this.find(e).live--;
    this.owner[pfn] = IN_BASE;
  }

  private find(epoch: number): Held {
    for (const h of this.held) if (h.image.epoch === epoch) return h;
    throw new Error(`backup image: no held epoch ${epoch}`); // a broken page table: a bug, not input
  }

  /** Release every held buffer none of whose pages is live any more (in any position). */
  private releaseDead(): void {
    for (let k = 0; k < this.held.length; ) {
      const h = this.held[k];
      if (h.live > 0) { k++; continue; }
      this.held.splice(k, 1);
      this.release(h.image);
    }
  }

  /** Copy the live pages of `h` (already out of `held`) into the base, then release it. */
  private compact(h: Held): void {
    const { pfns, pages, epoch } = h.image;
    for (let i = 0; i < pfns.length && h.live > 0; ) {
      if (this.owner[pfns[i]] !== epoch) { i++; continue; }
      // A run of adjacent pages still live here goes in one set().
      let j = i + 1;
      while (j < pfns.length && pfns[j] === pfns[j - 1] + 1 && this.owner[pfns[j]] === epoch) j++;
      this.base.set(pages.subarray(i * PAGE_SIZE, j * PAGE_SIZE), pfns[i] * PAGE_SIZE);
      for (let k = i; k < j; k++) this.owner[pfns[k]] = IN_BASE;
      h.live -= j - i;
      this.compactedPages += j - i;
      i = j;
    }
    this.release(h.image);
  }
}
