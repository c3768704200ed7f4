// The receiver's staging area for the epoch in flight: pfns and page bytes arrive
// record by record and are copied exactly once, from the socket chunk into here. The
// buffers are kept across epochs, so a steady stream allocates nothing.
import { PAGE_SIZE } from '../vm/layout.js';

const INITIAL_PAGES = 64;

/** Where one page record's pfns sit in the staging area, for error messages. */
export interface StagedRecord {
  readonly offset: number;
  readonly name: string;
  readonly first: number;
}

export class EpochStaging {
  pfns = new Uint32Array(INITIAL_PAGES);
  pages = new Uint8Array(INITIAL_PAGES * PAGE_SIZE);
  /** pfns staged so far; page i lives at pages[i * PAGE_SIZE]. */
  count = 0;
  records: StagedRecord[] = [];
  /** Growth stops here: a receiver that bounds pfns never needs more (decoder pfnLimit). */
  maxPages = Infinity;

  reset(): void {
    this.count = 0;
    this.records = [];
  }

  beginRecord(offset: number, name: string): void {
    this.records.push({ offset, name, first: this.count });
  }

  pushPfn(pfn: number): void {
    if (this.count === this.pfns.length) {
      const grown = new Uint32Array(this.pfns.length * 2);
      grown.set(this.pfns);
      this.pfns = grown;
    }
    this.pfns[this.count++] = pfn;
  }

  /** The bytes of pages [first, first + n), growing the page buffer if needed. */
  pageSlots(first: number, n: number): Uint8Array {
    const end = (first + n) * PAGE_SIZE;
    if (end > this.pages.length) {
      let size = this.pages.length;
      while (size < end) size *= 2;
      // Near a receiver's bound, grow straight to it: the old and new buffers coexist
      // during the copy, and doubling 1/2 -> 1 would peak at 1.5x the bound.
      const cap = this.maxPages * PAGE_SIZE;
      if (size * 4 >= cap) size = Math.max(end, cap);
      const grown = new Uint8Array(size);
      grown.set(this.pages.subarray(0, first * PAGE_SIZE));
      this.pages = grown;
    }
    return this.pages.subarray(first * PAGE_SIZE, end);
  }

  /** The record that carried staged pfn `index`. */
  recordOf(index: number): StagedRecord {
    let found = this.records[0]!;
    for (const r of this.records) {
      if (r.first > index) break;
      found = r;
    }
    return found;
  }

  /** Index of the first pfn not above its predecessor, or -1 when strictly ascending. */
  firstUnordered(): number {
    for (let i = 1; i < this.count; i++) if (this.pfns[i]! <= this.pfns[i - 1]!) return i;
    return -1;
  }

  /** Index of the first pfn >= guestPages, or -1. */
  firstOutOfRange(guestPages: number): number {
    for (let i = 0; i < this.count; i++) if (this.pfns[i]! >= guestPages) return i;
    return -1;
  }

  /**
   * Sorts the staged pages by pfn, the last copy of a repeated pfn winning: a stream
   * from another tool may send a page more than once before its first CHECKPOINT
   * (live-migration passes), and what it sent last is what it meant.
   */
  sortKeepingLast(): void {
    const order = Array.from({ length: this.count }, (_, i) => i);
    order.sort((a, b) => this.pfns[a]! - this.pfns[b]! || a - b);
    const pfns = new Uint32Array(Math.max(this.count, 1));
    const pages = new Uint8Array(Math.max(this.count, 1) * PAGE_SIZE);
    let n = 0;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const next = order[k + 1];
      if (next !== undefined && this.pfns[next] === this.pfns[i]) continue; // a later copy follows
      pfns[n] = this.pfns[i]!;
      pages.set(this.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), n * PAGE_SIZE);
      n++;
    }
    this.pfns = pfns;
    this.pages = pages;
    this.count = n;
  }
}
