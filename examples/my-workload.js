// A custom hbft-emu workload: random counter increments over a 256-page working set.
// Run it with: hbft run --workload ./examples/my-workload.js --mode logdirty --verify
import { defineWorkload } from 'hbft-emu';

const PAGE_BYTES = 4096;
const WORKING_SET_PAGES = 256;
// Registers (the workload's part of the vCPU context): all state that is not in guest RAM.
const R_RNG = 0; // xorshift32 state
const R_OPS = 1; // increments done, for verify()

function xorshift32(x) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** The counters this vCPU owns: the start of its own slice of guest RAM. */
function workingSet(p) {
  const bytes = Math.min(p.regionBytes, WORKING_SET_PAGES * PAGE_BYTES);
  return { base: p.regionBase, words: bytes >>> 2 };
}

export default defineWorkload({
  name: 'counters',
  op: 'one 32-bit counter increment (load + store) at a random word',
  init(_mem, regs, p) {
    // Guest RAM starts zeroed; only the registers need a start value. Never seed 0.
    regs[R_RNG] = ((p.seed * 0x9e3779b1) ^ (p.vcpu + 1)) >>> 0 || 1;
    regs[R_OPS] = 0;
  },
  step(mem, regs, budget, p) {
    const { base, words } = workingSet(p);
    let x = regs[R_RNG];
    for (let i = 0; i < budget; i++) {
      x = xorshift32(x);
      const addr = base + (x % words) * 4;
      mem.store32(addr, (mem.load32(addr) + 1) >>> 0);
    }
    regs[R_RNG] = x;
    regs[R_OPS] += budget;
    return budget; // never ends by itself: --ops or --duration stops it
  },
  result(mem, regs, p) {
    // FNV-1a over the counters and the op count: equal results mean equal guest state.
    const { base, words } = workingSet(p);
    let h = 0x811c9dc5;
    for (let w = 0; w < words; w++) h = Math.imul(h ^ mem.load32(base + w * 4), 0x01000193) >>> 0;
    return Math.imul(h ^ regs[R_OPS], 0x01000193) >>> 0;
  },
  verify(mem, regs, p) {
    // Every increment landed exactly once: the counters add up to the op count.
    const { base, words } = workingSet(p);
    let sum = 0;
    for (let w = 0; w < words; w++) sum += mem.load32(base + w * 4);
    return sum === regs[R_OPS];
  },
});
