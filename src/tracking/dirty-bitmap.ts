/** Mark page pfn dirty; safe while other threads mark and the checkpointer is parked-waiting. */
export function markDirty(bitmap: Uint32Array, pfn: number): void {
  Atomics.or(bitmap, pfn >>> 5, 1 << (pfn & 31));
}

/**
 * Take and clear every set bit, ascending. Words are swapped out with Atomics.exchange
 * so that a bit set concurrently is either harvested now or stays for the next epoch:
 * a dirty bit is never lost (docs/design.md, Conventions). Zero words are skipped a word at a time.
 */
export function harvestDirty(bitmap: Uint32Array, pages: number): Uint32Array {
  let count = 0;
  const words: number[] = [];
  for (let i = 0; i < bitmap.length; i++) {
    if (bitmap[i] === 0) continue;
    const w = Atomics.exchange(bitmap, i, 0);
    if (w === 0) continue;
    words.push(i, w);
    count += popcount32(w);
  }
  const out = new Uint32Array(count);
  let n = 0;
  for (let k = 0; k < words.length; k += 2) {
    const base = words[k] << 5;
    let w = words[k + 1];
    while (w !== 0) {
      const bit = 31 - Math.clz32(w & -w);
      const pfn = base + bit;
      if (pfn < pages) out[n++] = pfn;
      w &= w - 1;
    }
  }
  return n === count ? out : out.subarray(0, n);
}

export function popcount32(w: number): number {
  w = w - ((w >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
