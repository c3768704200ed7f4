import { defineWorkload } from '../../src/guest/workloads/define.js';
import { regionChecksum } from '../../src/guest/workloads/checksum.js';

/** Pages written, whatever the guest size: the RAM-scaling benchmark's fixed dirty set. */
export const FIXED_SET_PAGES = 2048; // 8 MiB
const WORDS = FIXED_SET_PAGES * 1024;
const R_POS = 0;

/** Sequential 32-bit stores sweeping the first FIXED_SET_PAGES pages of the region. */
export default defineWorkload({
  name: 'fixed-set',
  op: 'one 32-bit store, sequential over a fixed 8 MiB',
  init(_mem, regs, p) {
    if (p.regionBytes < WORDS * 4) throw new RangeError(`fixed-set: needs ${WORDS * 4} bytes per vCPU, has ${p.regionBytes}`);
    regs[R_POS] = 0;
  },
  step(mem, regs, budget, p) {
    let pos = regs[R_POS];
    const base = p.regionBase;
    for (let i = 0; i < budget; i++) {
      mem.store32(base + pos * 4, pos);
      if (++pos === WORDS) pos = 0;
    }
    regs[R_POS] = pos;
    return budget;
  },
  result(mem, _regs, p) {
    return regionChecksum(mem, p.regionBase, WORDS * 4);
  },
});
