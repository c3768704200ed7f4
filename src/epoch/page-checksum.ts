import { WORDS_PER_PAGE } from '../vm/layout.js';

/** FNV-1a over the 32-bit words of one page: cheap, and enough to prove two images equal. */
export function pageChecksum(words: Uint32Array, pfn: number): number {
  let h = 0x811c9dc5;
  const base = pfn * WORDS_PER_PAGE;
  for (let i = base, end = base + WORDS_PER_PAGE; i < end; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}

/** One checksum per page of an image. */
export function imageChecksums(words: Uint32Array, pages: number): Uint32Array {
  const out = new Uint32Array(pages);
  for (let p = 0; p < pages; p++) out[p] = pageChecksum(words, p);
  return out;
}
