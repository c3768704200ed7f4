import { defineWorkload } from './define.js';
import { regionChecksum } from './checksum.js';
import { seedFor } from './rng.js';

const R_POS = 0; // next word index in the region
const R_VALUE = 1; // value stored by the next operation

/** Sequential write: one 32-bit store per operation, sweeping the vCPU's region. */
export const seqwrite = defineWorkload({
  name: 'seqwrite',
  op: 'one 32-bit store, sequential',
  init(_mem, regs, p) {
    regs[R_POS] = 0;
    regs[R_VALUE] = seedFor(p.seed, p.vcpu, 0x7365);
  },
  step(mem, regs, budget, p) {
    const words = p.regionBytes >>> 2;
    let pos = regs[R_POS];
    let value = regs[R_VALUE];
    const base = p.regionBase;
    for (let i = 0; i < budget; i++) {
      mem.store32(base + pos * 4, value);
      value = (value + 0x9e3779b9) >>> 0;
      if (++pos === words) pos = 0;
    }
    regs[R_POS] = pos;
    regs[R_VALUE] = value;
    return budget;
  },
  result(mem, _regs, p) {
    return regionChecksum(mem, p.regionBase, p.regionBytes);
  },
});
