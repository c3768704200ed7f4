import { defineWorkload, type WorkloadParams } from './define.js';
import { regionChecksum } from './checksum.js';
import { fnvWord, seedFor, xorshift32 } from './rng.js';
import { UINT32_SCALE, scatter, zipfRank } from './zipf.js';

// Open-addressing hash table of 8-byte slots {u32 key, u32 value}; key 0 = empty.
const SLOT_BYTES = 8;
const SET_PERCENT = 10; // YCSB-B-like: 90% GET, 10% SET
const ZIPF_S = 0.99; // YCSB's default key skew
const R_RNG = 0;
const R_SUM = 1; // fold of every GET's answer: reads count in the result
const R_SETS = 2;

function capacity(p: WorkloadParams): number {
  return 2 ** Math.floor(Math.log2(p.regionBytes / SLOT_BYTES));
}

/**
 * A key-value store: each operation is a GET or a SET of a Zipf-chosen key in a hash
 * table that lives in guest RAM (keys cover a quarter of the slots, so probes stay short).
 */
export const kv = defineWorkload({
  name: 'kv',
  op: 'one GET or SET (hash probe: loads, and a store for SET)',
  init(_mem, regs, p) {
    regs[R_RNG] = seedFor(p.seed, p.vcpu, 0x6b76);
    regs[R_SUM] = 0;
    regs[R_SETS] = 0;
  },
  step(mem, regs, budget, p) {
    const slots = capacity(p);
    const mask = slots - 1;
    const keys = slots >>> 2;
    const shift = 32 - Math.log2(slots);
    const base = p.regionBase;
    let x = regs[R_RNG];
    let sum = regs[R_SUM];
    let sets = regs[R_SETS];
    for (let i = 0; i < budget; i++) {
      x = xorshift32(x);
      const key = scatter(zipfRank(x * UINT32_SCALE, keys, ZIPF_S), keys) + 1;
      x = xorshift32(x);
      const isSet = x % 100 < SET_PERCENT;
      let slot = shift === 32 ? 0 : Math.imul(key, 0x9e3779b1) >>> shift;
      for (;;) {
        const addr = base + slot * SLOT_BYTES;
        const k = mem.load32(addr);
        if (k === key || k === 0) {
          if (isSet) {
            if (k === 0) mem.store32(addr, key);
            mem.store32(addr + 4, x);
            sets++;
          } else {
            sum = fnvWord(sum, k === 0 ? 0 : mem.load32(addr + 4));
          }
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    regs[R_RNG] = x;
    regs[R_SUM] = sum;
    regs[R_SETS] = sets;
    return budget;
  },
  result(mem, regs, p) {
    return regionChecksum(mem, p.regionBase, capacity(p) * SLOT_BYTES, regs[R_SUM]);
  },
});
