import { PAGE_SHIFT } from '../../src/vm/layout.js';
import type { WorkloadParams } from '../../src/guest/workloads/define.js';
import { fnvWord, seedFor, xorshift32 } from '../../src/guest/workloads/rng.js';
import { UINT32_SCALE, scatter, zipfRank } from '../../src/guest/workloads/zipf.js';

/**
 * Plain-typed-array twins of the built-in workload kernels: the same algorithm, state
 * and operation count as src/guest/workloads/*.ts, but indexing a Uint32Array directly with no
 * GuestMemory in between. The emulation-tax benchmark times each against its original.
 */
export interface Twin {
  init(regs: Float64Array, p: WorkloadParams): void;
  step(t: Uint32Array, regs: Float64Array, budget: number, p: WorkloadParams): number;
}

const seqwrite: Twin = {
  init(regs, p) {
    regs[0] = 0;
    regs[1] = seedFor(p.seed, p.vcpu, 0x7365);
  },
  step(t, regs, budget, p) {
    const words = p.regionBytes >>> 2;
    let pos = regs[0];
    let value = regs[1];
    const base = p.regionBase >>> 2;
    for (let i = 0; i < budget; i++) {
      t[base + pos] = value;
      value = (value + 0x9e3779b9) >>> 0;
      if (++pos === words) pos = 0;
    }
    regs[0] = pos;
    regs[1] = value;
    return budget;
  },
};

const GUPS_POLY = 0x00400007;
const gups: Twin = {
  init(regs, p) {
    regs[0] = seedFor(p.seed, p.vcpu, 0x6775);
    regs[2] = 0;
  },
  step(t, regs, budget, p) {
    const mask = 2 ** Math.floor(Math.log2(p.regionBytes >>> 2)) - 1;
    const base = p.regionBase >>> 2;
    let ran = regs[0];
    for (let i = 0; i < budget; i++) {
      ran = ((ran << 1) ^ ((ran | 0) < 0 ? GUPS_POLY : 0)) >>> 0;
      const w = base + (ran & mask);
      t[w] = t[w] ^ ran;
    }
    regs[0] = ran;
    regs[2] += budget;
    return budget;
  },
};

const hotcold: Twin = {
  init(regs, p) {
    regs[0] = seedFor(p.seed, p.vcpu, 0x686f74);
  },
  step(t, regs, budget, p) {
    const pages = p.regionBytes >>> PAGE_SHIFT;
    const base = p.regionBase;
    let x = regs[0];
    for (let i = 0; i < budget; i++) {
      x = xorshift32(x);
      const page = scatter(zipfRank(x * UINT32_SCALE, pages, 0.99), pages);
      x = xorshift32(x);
      const w = (base + page * 4096 + (x & 0xffc)) >>> 2;
      t[w] = (t[w] + 1) >>> 0;
    }
    regs[0] = x;
    return budget;
  },
};

const kv: Twin = {
  init(regs, p) {
    regs[0] = seedFor(p.seed, p.vcpu, 0x6b76);
    regs[1] = 0;
    regs[2] = 0;
  },
  step(t, regs, budget, p) {
    const slots = 2 ** Math.floor(Math.log2(p.regionBytes / 8));
    const mask = slots - 1;
    const keys = slots >>> 2;
    const shift = 32 - Math.log2(slots);
    const base = p.regionBase >>> 2;
    let x = regs[0];
    let sum = regs[1];
    let sets = regs[2];
    for (let i = 0; i < budget; i++) {
      x = xorshift32(x);
      const key = scatter(zipfRank(x * UINT32_SCALE, keys, 0.99), keys) + 1;
      x = xorshift32(x);
      const isSet = x % 100 < 10;
      let slot = shift === 32 ? 0 : Math.imul(key, 0x9e3779b1) >>> shift;
      for (;;) {
        const w = base + slot * 2;
        const k = t[w];
        if (k === key || k === 0) {
          if (isSet) {
            if (k === 0) t[w] = key;
            t[w + 1] = x;
            sets++;
          } else {
            sum = fnvWord(sum, k === 0 ? 0 : t[w + 1]);
          }
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    regs[0] = x;
    regs[1] = sum;
    regs[2] = sets;
    return budget;
  },
};

export const TWINS: Readonly<Record<string, Twin>> = { seqwrite, gups, hotcold, kv };
