import { defineWorkload } from './define.js';
import { regionChecksum } from './checksum.js';
import { seedFor, xorshift32 } from './rng.js';
import { UINT32_SCALE, scatter, zipfRank } from './zipf.js';
import { PAGE_SHIFT } from '../../vm/layout.js';

const R_RNG = 0;
const ZIPF_S = 0.99;

/**
 * Hot/cold writer: each operation increments one word of a page drawn from a Zipf(0.99)
 * distribution over the vCPU's pages, so a few hot pages take most writes and the write
 * set per epoch is a small, stable part of RAM.
 */
export const hotcold = defineWorkload({
  name: 'hotcold',
  op: 'one word increment (load + store) on a Zipf-chosen page',
  init(_mem, regs, p) {
    regs[R_RNG] = seedFor(p.seed, p.vcpu, 0x686f74);
  },
  step(mem, regs, budget, p) {
    const pages = p.regionBytes >>> PAGE_SHIFT;
    const base = p.regionBase;
    let x = regs[R_RNG];
    for (let i = 0; i < budget; i++) {
      x = xorshift32(x);
      const page = scatter(zipfRank(x * UINT32_SCALE, pages, ZIPF_S), pages);
      x = xorshift32(x);
      const addr = base + page * 4096 + (x & 0xffc);
      mem.store32(addr, (mem.load32(addr) + 1) >>> 0);
    }
    regs[R_RNG] = x;
    return budget;
  },
  result(mem, _regs, p) {
    return regionChecksum(mem, p.regionBase, p.regionBytes);
  },
});
