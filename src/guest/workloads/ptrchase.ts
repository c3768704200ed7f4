import { defineWorkload, type WorkloadParams } from './define.js';
import { regionChecksum } from './checksum.js';
import { fnvWord, FNV_OFFSET, seedFor, xorshift32 } from './rng.js';
import { UINT32_SCALE } from './zipf.js';

// A node is one 64-byte cache line: {u32 next node index, u32 visit counter, padding}.
export const NODE_BYTES = 64;
const NEXT = 0;
const COUNTER = 4;
// Every 8th hop bumps the counter of the node it leaves: a small write set among reads.
const WRITE_EVERY_MASK = 7;
const R_CUR = 0; // node the next hop leaves from
const R_HOPS = 1;

export function ptrchaseNodes(p: WorkloadParams): number {
  return Math.floor(p.regionBytes / NODE_BYTES);
}

/**
 * Pointer chase: the nodes form one random cycle (Sattolo's algorithm), so each hop is
 * a dependent load from an unpredictable page and the chase visits every node before
 * it repeats.
 */
export const ptrchase = defineWorkload({
  name: 'ptrchase',
  op: 'one hop (32-bit load of the next index); every 8th also increments a counter',
  init(mem, regs, p) {
    const nodes = ptrchaseNodes(p);
    const base = p.regionBase;
    for (let i = 0; i < nodes; i++) mem.store32(base + i * NODE_BYTES + NEXT, i);
    // Sattolo: swapping i only with j < i yields a single cycle through every node.
    let x = seedFor(p.seed, p.vcpu, 0x7063);
    for (let i = nodes - 1; i > 0; i--) {
      x = xorshift32(x);
      const j = Math.floor(x * UINT32_SCALE * i);
      const ai = base + i * NODE_BYTES + NEXT;
      const aj = base + j * NODE_BYTES + NEXT;
      const t = mem.load32(ai);
      mem.store32(ai, mem.load32(aj));
      mem.store32(aj, t);
    }
    regs[R_CUR] = 0;
    regs[R_HOPS] = 0;
  },
  step(mem, regs, budget, p) {
    const base = p.regionBase;
    let cur = regs[R_CUR];
    let hops = regs[R_HOPS];
    for (let n = 0; n < budget; n++) {
      const node = base + cur * NODE_BYTES;
      const next = mem.load32(node + NEXT);
      // hops stays below 2^53, where & still sees its exact low bits.
      if ((++hops & WRITE_EVERY_MASK) === 0) mem.store32(node + COUNTER, (mem.load32(node + COUNTER) + 1) >>> 0);
      cur = next;
    }
    regs[R_CUR] = cur;
    regs[R_HOPS] = hops;
    return budget;
  },
  result(mem, regs, p) {
    return regionChecksum(mem, p.regionBase, ptrchaseNodes(p) * NODE_BYTES, fnvWord(FNV_OFFSET, regs[R_CUR]));
  },
});
