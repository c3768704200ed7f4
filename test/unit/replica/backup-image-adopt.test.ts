// BackupImage.adopt: the image takes each epoch's staging buffer as its copy of those
// pages. Checked against a plain model of guest RAM over many epochs with buffers reused
// (scribbled over) the moment the image releases them, so a buffer released while a
// committed page still lived in it would show up as a wrong page.
import { describe, expect, it } from 'vitest';
import { ADOPT_MIN_REWRITE, BackupError, BackupImage, MAX_HELD } from '../../../src/replica/backup-image.js';
import { StagingPool } from '../../../src/epoch/staging-pool.js';
import type { EpochImage } from '../../../src/epoch/epoch-image.js';
import { imageChecksums } from '../../../src/epoch/page-checksum.js';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';

const PAGES = 64;

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

/** A primary: its RAM, and epochs cut from it into staging buffers of `pool`. */
class Primary {
  readonly ram = new Uint8Array(PAGES * PAGE_SIZE);
  readonly ctx = new Float64Array(CTX_SLOTS);
  epoch = 0;
  constructor(private readonly pool: StagingPool, private readonly rand: () => number) {
    for (let i = 0; i < this.ram.length; i += 64) this.ram[i] = (i >>> 6) & 0xff;
  }

  initial(): EpochImage {
    return { epoch: 0, guestPages: PAGES, pfns: Uint32Array.from({ length: PAGES }, (_, i) => i), pages: this.ram, contexts: [this.ctx.slice()], final: false };
  }

  /** Dirty a random set (sometimes a hot run, sometimes scattered, sometimes none), then cut the epoch. */
  next(): EpochImage {
    const e = ++this.epoch;
    const dirty: number[] = [];
    // Epochs of four shapes: nearly everything, a hot run, scattered, nothing.
    const shape = this.rand();
    const density = (p: number) => (shape < 0.25 ? 0.95 : shape < 0.6 ? (p < 16 ? 0.9 : 0.02) : shape < 0.9 ? 0.25 : 0);
    for (let p = 0; p < PAGES; p++) if (this.rand() < density(p)) dirty.push(p);
    for (const p of dirty) {
      const off = p * PAGE_SIZE + Math.floor(this.rand() * PAGE_SIZE);
      this.ram[off] = (this.ram[off] + e) & 0xff;
      this.ram[p * PAGE_SIZE + PAGE_SIZE - 1] = e & 0xff;
    }
    this.ctx[0] = e;
    const pfns = Uint32Array.from(dirty);
    const pages = this.pool.take(pfns.length * PAGE_SIZE);
    pfns.forEach((p, i) => pages.set(this.ram.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), i * PAGE_SIZE));
    return { epoch: e, guestPages: PAGES, pfns, pages, contexts: [this.ctx.slice()], final: false };
  }
}

function expectEqual(img: BackupImage, ram: Uint8Array): void {
  for (let p = 0; p < PAGES; p++) {
    const have = img.page(p);
    const want = Buffer.from(ram.buffer, ram.byteOffset + p * PAGE_SIZE, PAGE_SIZE);
    if (!Buffer.from(have.buffer, have.byteOffset, have.byteLength).equals(want)) throw new Error(`page ${p} differs`);
  }
  expect(img.mismatchedPages(imageChecksums(new Uint32Array(ram.buffer), PAGES))).toEqual([]);
}

describe('BackupImage.adopt', () => {
  it('equals the primary after every one of 300 epochs, with each buffer scribbled over and reused the moment it is released', () => {
    const returned: ArrayBuffer[] = [];
    const pool = new StagingPool(() => returned.shift());
    const primary = new Primary(pool, rng(7));
    const img = new BackupImage(PAGES, 1);
    img.apply(primary.initial());
    const released = new Map<number, number>();
    const release = (done: EpochImage) => {
      released.set(done.epoch, (released.get(done.epoch) ?? 0) + 1);
      done.pages.fill(0xa5); // the pool may hand it out again at once
      if (done.pages.byteLength > 0) returned.push(done.pages.buffer as ArrayBuffer);
    };
    for (let n = 0; n < 300; n++) {
      img.adopt(primary.next(), release);
      expectEqual(img, primary.ram);
      expect(img.contexts[0][0]).toBe(primary.epoch);
      expect(img.heldEpochs).toBeLessThanOrEqual(MAX_HELD);
    }
    expect(pool.reuses).toBeGreaterThan(250); // buffers really went round
    expect(img.adoptedPages).toBeGreaterThan(img.compactedPages); // some pages were never copied twice
    expect(img.compactedPages).toBeGreaterThan(0);
    img.settle();
    expect(img.heldEpochs).toBe(0);
    for (let e = 1; e <= 300; e++) expect(released.get(e)).toBe(1); // every buffer back, exactly once
    expect(img.ram).toEqual(primary.ram);
  });

  it('releases a buffer as soon as later epochs have overwritten all its pages, before it would be compacted', () => {
    const img = new BackupImage(4, 1);
    const ctx = [new Float64Array(CTX_SLOTS)];
    img.apply({ epoch: 0, guestPages: 4, pfns: Uint32Array.of(0, 1, 2, 3), pages: new Uint8Array(4 * PAGE_SIZE), contexts: ctx, final: false });
    const released: number[] = [];
    const epoch = (e: number, pfns: number[]) => ({ epoch: e, guestPages: 4, pfns: Uint32Array.from(pfns), pages: new Uint8Array(pfns.length * PAGE_SIZE).fill(e), contexts: ctx, final: false });
    img.adopt(epoch(1, [1, 2]), (d) => released.push(d.epoch));
    img.adopt(epoch(2, [2]), (d) => released.push(d.epoch));
    expect(released).toEqual([]);
    img.adopt(epoch(3, [1]), (d) => released.push(d.epoch)); // epoch 1's pages all overwritten
    expect(released).toEqual([1]);
    expect(img.compactedPages).toBe(0);
    img.adopt(epoch(4, [], ), (d) => released.push(d.epoch)); // empty: nothing to hold
    expect(released).toEqual([1, 4]);
    expect([0, 1, 2, 3].map((p) => img.page(p)[0])).toEqual([0, 3, 2, 0]);
  });

  it('a malformed or out-of-order epoch leaves the image at the previous epoch, its buffer not taken', () => {
    const returned: ArrayBuffer[] = [];
    const primary = new Primary(new StagingPool(() => returned.shift()), rng(3));
    const img = new BackupImage(PAGES, 1);
    img.apply(primary.initial());
    const released: number[] = [];
    for (let n = 0; n < 5; n++) img.adopt(primary.next(), (d) => released.push(d.epoch));
    const committed = primary.ram.slice();
    const held = img.heldEpochs;
    const good = primary.next();
    const torn: EpochImage[] = [
      { ...good, pages: good.pages.subarray(0, good.pages.length - PAGE_SIZE) }, // half the data
      { ...good, pfns: Uint32Array.from(good.pfns).reverse() }, // out of order
      { ...good, epoch: good.epoch + 1 }, // a gap
      { ...good, contexts: [] },
    ];
    for (const bad of torn) {
      expect(() => img.adopt(bad, (d) => released.push(d.epoch))).toThrow(BackupError);
      expect(img.committedEpoch).toBe(5);
      expect(img.heldEpochs).toBe(held);
      expectEqual(img, committed);
    }
    good.pages.fill(0x5a); // the rejected epoch's buffer is not the image's
    expectEqual(img, committed);
    expect(released.every((e) => e <= 5)).toBe(true);
  });

  it('apply after adopt drops the held copies of the pages it overwrites', () => {
    const img = new BackupImage(2, 1);
    const ctx = [new Float64Array(CTX_SLOTS)];
    img.apply({ epoch: 0, guestPages: 2, pfns: Uint32Array.of(0, 1), pages: new Uint8Array(2 * PAGE_SIZE), contexts: ctx, final: false });
    const released: number[] = [];
    img.adopt({ epoch: 1, guestPages: 2, pfns: Uint32Array.of(0), pages: new Uint8Array(PAGE_SIZE).fill(1), contexts: ctx, final: false }, (d) => released.push(d.epoch));
    img.apply({ epoch: 2, guestPages: 2, pfns: Uint32Array.of(0), pages: new Uint8Array(PAGE_SIZE).fill(2), contexts: ctx, final: false });
    expect(img.page(0)[0]).toBe(2);
    img.settle();
    expect(released).toEqual([1]);
    expect(img.ram[0]).toBe(2);
  });

  it('commitEpoch adopts an epoch that rewrites enough of the previous one, and copies one that does not', () => {
    const img = new BackupImage(PAGES, 1);
    const ctx = [new Float64Array(CTX_SLOTS)];
    const released: number[] = [];
    const epoch = (e: number, pfns: number[]): EpochImage => ({ epoch: e, guestPages: PAGES, pfns: Uint32Array.from(pfns), pages: new Uint8Array(pfns.length * PAGE_SIZE).fill(e), contexts: ctx, final: false });
    img.commitEpoch({ ...epoch(0, []), pfns: Uint32Array.from({ length: PAGES }, (_, i) => i), pages: new Uint8Array(PAGES * PAGE_SIZE) }, (d) => released.push(d.epoch));
    expect(released).toEqual([0]); // epoch 0 is always copied
    const hot = Array.from({ length: 16 }, (_, i) => i);
    img.commitEpoch(epoch(1, hot), (d) => released.push(d.epoch)); // a quarter of epoch 0: adopted
    expect(img.heldEpochs).toBe(1);
    img.commitEpoch(epoch(2, hot), (d) => released.push(d.epoch)); // all of epoch 1 again
    expect(released).toEqual([0, 1]);
    expect(img.heldEpochs).toBe(1);
    // Scattered: 3 of epoch 2's 16 pages again, under ADOPT_MIN_REWRITE: copied, back at once.
    const scattered = [0, 5, 9, 20, 30, 40, 50, 60];
    expect(img.rewriteShare(epoch(3, scattered))).toBeLessThan(ADOPT_MIN_REWRITE);
    img.commitEpoch(epoch(3, scattered), (d) => released.push(d.epoch));
    expect(released).toEqual([0, 1, 3]);
    expect(img.adoptedPages).toBe(32);
    expect([0, 1, 5, 20, 63].map((p) => img.page(p)[0])).toEqual([3, 2, 3, 3, 0]);
  });
});
