import { defineWorkload, type GuestMemory, type WorkloadParams } from './define.js';
import { regionChecksum } from './checksum.js';
import { seedFor } from './rng.js';

// HPCC RandomAccess on a 32-bit LFSR (HPCC's is 64-bit; BigInt would dominate the cost):
// x^32 + x^22 + x^2 + x + 1.
const POLY = 0x00400007;
const R_RAN = 0; // LFSR state
const R_START = 1; // LFSR state before the first update, for verification
const R_UPDATES = 2;

function tableWords(p: WorkloadParams): number {
  // The largest power of two that fits the vCPU's region (HPCC tables are 2^n words).
  return 2 ** Math.floor(Math.log2(p.regionBytes >>> 2));
}

function next(ran: number): number {
  return ((ran << 1) ^ ((ran | 0) < 0 ? POLY : 0)) >>> 0;
}

/**
 * GUPS: each operation is one table update, t[ran & mask] ^= ran (a load and a store at
 * a random word). Each vCPU updates its own table, so updates never race.
 */
export const gups = defineWorkload({
  name: 'gups',
  op: 'one random table update (load + store)',
  init(mem, regs, p) {
    const words = tableWords(p);
    for (let i = 0; i < words; i++) mem.store32(p.regionBase + i * 4, i);
    const start = seedFor(p.seed, p.vcpu, 0x6775);
    regs[R_RAN] = start;
    regs[R_START] = start;
    regs[R_UPDATES] = 0;
  },
  step(mem, regs, budget, p) {
    const mask = tableWords(p) - 1;
    const base = p.regionBase;
    let ran = regs[R_RAN];
    for (let i = 0; i < budget; i++) {
      ran = next(ran);
      const addr = base + (ran & mask) * 4;
      mem.store32(addr, mem.load32(addr) ^ ran);
    }
    regs[R_RAN] = ran;
    regs[R_UPDATES] += budget;
    return budget;
  },
  result(mem, _regs, p) {
    return regionChecksum(mem, p.regionBase, tableWords(p) * 4);
  },
  /** HPCC's check: replaying the same updates (XOR is its own inverse) restores t[i] = i. */
  verify(mem: GuestMemory, regs, p) {
    const words = tableWords(p);
    const table = new Uint32Array(words);
    for (let i = 0; i < words; i++) table[i] = mem.load32(p.regionBase + i * 4);
    let ran = regs[R_START];
    for (let n = regs[R_UPDATES]; n > 0; n--) {
      ran = next(ran);
      table[ran & (words - 1)] ^= ran;
    }
    for (let i = 0; i < words; i++) if (table[i] !== i) return false;
    return true;
  },
});
