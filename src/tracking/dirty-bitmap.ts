/** Mark page pfn dirty; safe while other threads mark and the checkpointer is parked-waiting. */
export function markDirty(bitmap: Uint32Array, pfn: number): void {
  Atomics.or(bitmap, pfn >>> 5, 1 << (pfn & 31));
}

/**
 * Take and clear every set bit, ascending, into `out` from index 0; returns how many.
 * `out` must hold every pfn that can be set (a scratch buffer of `pages` entries, kept
 * by the caller so the pause allocates nothing). Words are swapped out with
 * Atomics.exchange so that a bit set concurrently is either harvested now or stays for
 * the next epoch: a dirty bit is never lost (docs/design.md, Conventions). Zero words are
 * skipped a word at a time.
 */
export function harvestInto(bitmap: Uint32Array, pages: number, out: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < bitmap.length; i++) {
    if (bitmap[i] === 0) continue;
    // As an int32, so that the bit arithmetic below stays in small integers (about
    // twice as fast as on the uint32 the array reads give).
    let w = Atomics.exchange(bitmap, i, 0) | 0;
    const base = i << 5;
    while (w !== 0) {
      const low = w & -w;
      const pfn = base + 31 - Math.clz32(low);
      if (pfn < pages) out[n++] = pfn;
      w ^= low;
    }
  }
  return n;
}

/** harvestInto, as a fresh array of exactly the dirty pages; `scratch` as harvestInto's `out`. */
export function harvestDirty(bitmap: Uint32Array, pages: number, scratch: Uint32Array = new Uint32Array(pages)): Uint32Array {
  return scratch.slice(0, harvestInto(bitmap, pages, scratch));
}

export function popcount32(w: number): number {
  w = w - ((w >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
