import { defineWorkload, type WorkloadParams } from './define.js';
import { regionChecksum } from './checksum.js';
import { fnvWord, FNV_OFFSET, seedFor, xorshift32 } from './rng.js';

const WORD_BYTES = 4;
const CHUNK_WORDS = 16384; // 64 KiB chunks
// Ciura's shell sort gaps, extended by x2.25; the first gap is the largest below the chunk length.
const GAPS = [1, 4, 10, 23, 57, 132, 301, 701, 1750, 3937, 8858] as const;

const PHASE_FILL = 0;
const PHASE_SORT = 1;

const R_PHASE = 0;
const R_CHUNK = 1; // chunk being filled or sorted
const R_FILL = 2; // next word to fill
const R_GAP = 3; // index into GAPS
const R_I = 4; // gapped insertion sort: element being inserted
const R_J = 5; // its current position; the next compare is (j - gap, j)
const R_RNG = 6;
export const R_SORTED = 7; // chunks sorted so far

/** Words per chunk: 64 KiB, or the whole region when it is smaller. */
export function sortChunkWords(p: WorkloadParams): number {
  return Math.min(CHUNK_WORDS, p.regionBytes / WORD_BYTES);
}

function sortChunks(p: WorkloadParams): number {
  return Math.floor(p.regionBytes / WORD_BYTES / sortChunkWords(p));
}

/** Index of the first gap for n words: the largest gap below n. */
function firstGap(n: number): number {
  let g = GAPS.length - 1;
  while (GAPS[g] >= n) g--;
  return g;
}

/**
 * Endless sort: fill a chunk with seeded random uint32s (one store per operation), shell
 * sort it in place (one compare-and-maybe-swap per operation), go to the next chunk. The
 * sort's loop indices live in regs, so it can stop after any operation.
 */
export const sort = defineWorkload({
  name: 'sort',
  op: 'one compare-and-maybe-swap (two loads, two stores on a swap), or one store when refilling a chunk',
  init(_mem, regs, p) {
    regs[R_PHASE] = PHASE_FILL;
    regs[R_CHUNK] = 0;
    regs[R_FILL] = 0;
    regs[R_GAP] = 0;
    regs[R_I] = 0;
    regs[R_J] = 0;
    regs[R_RNG] = seedFor(p.seed, p.vcpu, 0x736f);
    regs[R_SORTED] = 0;
  },
  step(mem, regs, budget, p) {
    const n = sortChunkWords(p);
    const chunks = sortChunks(p);
    let phase = regs[R_PHASE];
    let chunk = regs[R_CHUNK];
    let fill = regs[R_FILL];
    let g = regs[R_GAP];
    let i = regs[R_I];
    let j = regs[R_J];
    let x = regs[R_RNG];
    let sorted = regs[R_SORTED];
    let base = p.regionBase + chunk * n * WORD_BYTES;
    let gapBytes = GAPS[g] * WORD_BYTES;
    for (let op = 0; op < budget; op++) {
      if (phase === PHASE_FILL) {
        x = xorshift32(x);
        mem.store32(base + fill * WORD_BYTES, x);
        if (++fill === n) {
          phase = PHASE_SORT;
          g = firstGap(n);
          i = j = GAPS[g];
          gapBytes = GAPS[g] * WORD_BYTES;
        }
        continue;
      }
      const hiAddr = base + j * WORD_BYTES;
      const loAddr = hiAddr - gapBytes;
      const lo = mem.load32(loAddr);
      const hi = mem.load32(hiAddr);
      if (lo > hi) {
        mem.store32(loAddr, hi);
        mem.store32(hiAddr, lo);
        j -= GAPS[g];
      } else {
        j = 0; // in place: insert the next element
      }
      // Move to the next compare, so the state between operations is always a compare to make.
      while (j < GAPS[g]) {
        if (++i === n) {
          if (g === 0) {
            sorted++;
            if (++chunk === chunks) chunk = 0;
            base = p.regionBase + chunk * n * WORD_BYTES;
            phase = PHASE_FILL;
            fill = 0;
            break;
          }
          g--;
          gapBytes = GAPS[g] * WORD_BYTES;
          i = GAPS[g];
        }
        j = i;
      }
    }
    regs[R_PHASE] = phase;
    regs[R_CHUNK] = chunk;
    regs[R_FILL] = fill;
    regs[R_GAP] = g;
    regs[R_I] = i;
    regs[R_J] = j;
    regs[R_RNG] = x;
    regs[R_SORTED] = sorted;
    return budget;
  },
  result(mem, regs, p) {
    return regionChecksum(mem, p.regionBase, sortChunks(p) * sortChunkWords(p) * WORD_BYTES, fnvWord(FNV_OFFSET, regs[R_SORTED]));
  },
});
