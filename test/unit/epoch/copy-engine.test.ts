import { describe, expect, it } from 'vitest';
import { COPY_ENGINES, PerPageCopyEngine, SuperpageCopyEngine, createCopyEngine } from '../../../src/epoch/copy-engine.js';
import { warmUpCopy } from '../../../src/epoch/copy-warm-up.js';
import { PAGE_SIZE, SUPERPAGE_PAGES } from '../../../src/vm/layout.js';
import { runSync } from '../../../src/run/sync-vm.js';
import { seqwrite } from '../../../src/guest/workloads/seqwrite.js';

describe('copy engines', () => {
  it('superpage and per-page copies are byte-identical on seeded random dirty sets', () => {
    const pages = SUPERPAGE_PAGES * 3 + 17; // a partial last region
    const ram = new SharedArrayBuffer(pages * PAGE_SIZE);
    const words = new Uint32Array(ram);
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) >>> 0;
    const per = new PerPageCopyEngine(ram);
    const sup = new SuperpageCopyEngine(ram);
    let x = 7;
    for (let trial = 0; trial < 30; trial++) {
      const density = [0.01, 0.3, 0.95][trial % 3];
      const pfns: number[] = [];
      for (let p = 0; p < pages; p++) if (((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24 < density) pfns.push(p);
      // runs that cross a region boundary, and the very last page
      pfns.push(SUPERPAGE_PAGES - 1, SUPERPAGE_PAGES, pages - 1);
      const list = Uint32Array.from(new Set(pfns)).sort();
      const a = new Uint8Array(list.length * PAGE_SIZE);
      const b = new Uint8Array(list.length * PAGE_SIZE);
      per.copy(list, a);
      sup.copy(list, b);
      expect(Buffer.compare(a, b)).toBe(0);
      list.forEach((pfn, i) => expect(b[i * PAGE_SIZE + 5]).toBe(new Uint8Array(ram)[pfn * PAGE_SIZE + 5]));
    }
  });
});

/** Guest RAM of `pages` pages whose every word differs, by `salt`. */
function seededRam(pages: number, salt: number): SharedArrayBuffer {
  const ram = new SharedArrayBuffer(pages * PAGE_SIZE);
  const words = new Uint32Array(ram);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i + salt, 2246822519) >>> 0;
  return ram;
}

describe('the superpage engine past one batch of runs', () => {
  it('copies every run when there are more runs than one batch holds (every other page: 2,600 runs)', () => {
    const pages = 5200;
    const ram = seededRam(pages, 11);
    const list = Uint32Array.from({ length: pages / 2 }, (_, i) => i * 2);
    const a = new Uint8Array(list.length * PAGE_SIZE);
    const b = new Uint8Array(list.length * PAGE_SIZE);
    new PerPageCopyEngine(ram).copy(list, a);
    new SuperpageCopyEngine(ram).copy(list, b);
    expect(Buffer.compare(a, b)).toBe(0);
    const mirror = new Uint8Array(pages * PAGE_SIZE);
    new SuperpageCopyEngine(ram).copy(list, mirror, 'mirror');
    const src = new Uint8Array(ram);
    for (const pfn of [0, 2046, 2048, 2050, pages - 2]) expect(Buffer.compare(mirror.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE), src.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE))).toBe(0);
    expect(mirror.subarray(PAGE_SIZE, 2 * PAGE_SIZE).every((x) => x === 0)).toBe(true);
  });
});

describe('copyRange', () => {
  it('copies exactly pfns[from..to) to their places in the whole staging, for both engines', () => {
    const pages = SUPERPAGE_PAGES * 2 + 5;
    const ram = seededRam(pages, 3);
    const list = Uint32Array.from({ length: 900 }, (_, i) => (i * 7 + (i >> 4)) % pages).sort();
    const unique = Uint32Array.from(new Set(list));
    for (const engine of [new PerPageCopyEngine(ram), new SuperpageCopyEngine(ram)]) {
      const whole = new Uint8Array(unique.length * PAGE_SIZE);
      engine.copy(unique, whole);
      // Edges of a per-page batch and of a run, an empty range, the last page.
      for (const [from, to] of [[0, 1], [1, 129], [100, 100], [255, 513], [unique.length - 1, unique.length]]) {
        const part = new Uint8Array(unique.length * PAGE_SIZE).fill(0xee);
        engine.copyRange(unique, from, to, part);
        expect(Buffer.compare(part.subarray(from * PAGE_SIZE, to * PAGE_SIZE), whole.subarray(from * PAGE_SIZE, to * PAGE_SIZE))).toBe(0);
        expect(part.subarray(0, from * PAGE_SIZE).every((b) => b === 0xee) && part.subarray(to * PAGE_SIZE).every((b) => b === 0xee)).toBe(true);
      }
    }
  });
});

describe('mirror placement', () => {
  it('puts each listed page at its own pfn and leaves every other page alone, for both engines and any range', () => {
    const pages = SUPERPAGE_PAGES * 2 + 5;
    const ram = seededRam(pages, 11);
    // Runs across a region edge and single pages, and the last page.
    const list = Uint32Array.from(new Set([0, 1, 2, 9, SUPERPAGE_PAGES - 2, SUPERPAGE_PAGES - 1, SUPERPAGE_PAGES, 700, 702, pages - 1])).sort();
    const listed = new Set(list);
    const guest = new Uint8Array(ram);
    for (const engine of [new PerPageCopyEngine(ram), new SuperpageCopyEngine(ram)]) {
      for (const [from, to] of [[0, list.length], [2, 7], [4, 4]]) {
        const mirror = new Uint8Array(pages * PAGE_SIZE).fill(0xee);
        engine.copyRange(list, from, to, mirror, 'mirror');
        const copied = new Set(list.subarray(from, to));
        for (let p = 0; p < pages; p++) {
          const page = mirror.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
          if (copied.has(p)) expect(Buffer.compare(page, guest.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)), `${engine.name} page ${p}`).toBe(0);
          else expect(page.every((b) => b === 0xee), `${engine.name} page ${p} (listed: ${listed.has(p)})`).toBe(true);
        }
      }
    }
  });
});

describe('pml ring', () => {
  it('full rings exit to the tracker and no dirty page is lost', () => {
    // 2,048 pages written per epoch: the log fills four times, but the checkpoint drains
    // the last fill, so only the 513th, 1,025th and 1,537th logs exit (Intel's PML).
    const base = { workload: seqwrite, pages: 2048, vcpus: 1, seed: 1, options: {}, opsPerVcpu: 1024 * 2048 * 2, epochOps: 1024 * 2048 };
    const pml = runSync({ ...base, mode: 'pml' });
    const logdirty = runSync({ ...base, mode: 'logdirty' });
    expect(pml.epochs.slice(1).map((e) => e.counts.faultsPmlFull)).toEqual([0, 3]);
    expect(pml.epochs.slice(1).map((e) => e.counts.dirtyPages)).toEqual(logdirty.epochs.slice(1).map((e) => e.counts.dirtyPages));
    expect(Buffer.compare(pml.backup.ram, logdirty.backup.ram)).toBe(0);
  });
});

describe('warmUpCopy', () => {
  for (const name of COPY_ENGINES) {
    it(`${name}: copies thousands of pages in every way a pause does, and an engine made after it copies exactly`, () => {
      expect(warmUpCopy(name)).toBeGreaterThan(3_000);
      const ram = new SharedArrayBuffer(SUPERPAGE_PAGES * 2 * PAGE_SIZE);
      const words = new Uint32Array(ram);
      for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) >>> 0;
      const pfns = Uint32Array.from([0, 1, 2, 7, SUPERPAGE_PAGES - 1, SUPERPAGE_PAGES, SUPERPAGE_PAGES + 3]);
      const mirror = new Uint8Array(ram.byteLength);
      createCopyEngine(name, ram).copy(pfns, mirror, 'mirror');
      const src = new Uint8Array(ram);
      for (let p = 0; p < SUPERPAGE_PAGES * 2; p++) {
        const page = mirror.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
        const want = pfns.includes(p) ? src.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE) : new Uint8Array(PAGE_SIZE);
        expect(Buffer.compare(page, want)).toBe(0);
      }
    });
  }
});
