import { defineWorkload, type WorkloadParams } from './define.js';
import { regionChecksum } from './checksum.js';
import { seedFor, xorshift32 } from './rng.js';
import { UINT32_SCALE } from './zipf.js';

const F64_BYTES = 8;
const SCALAR = 3; // STREAM's q
// q differs from sweep to sweep so every sweep writes new values and the outcome
// depends on how many sweeps ran, not only on where the last one stopped.
const SCALAR_CYCLE = 4;
const R_POS = 0; // next element index
const R_SWEEPS = 1; // completed sweeps

/** Elements per array: a, b and c each take a third of the vCPU's region. */
export function streamLength(p: WorkloadParams): number {
  return Math.floor(p.regionBytes / F64_BYTES / 3);
}

/** q for sweep n. */
export function streamScalar(sweep: number): number {
  return SCALAR + (sweep % SCALAR_CYCLE);
}

/**
 * STREAM triad a[i] = b[i] + q*c[i] over three Float64 arrays laid end to end in the
 * vCPU's region; sweeps repeat. Reads two arrays, writes the third sequentially.
 */
export const stream = defineWorkload({
  name: 'stream',
  op: 'one triad element (two 64-bit loads + one 64-bit store), sequential',
  init(mem, regs, p) {
    const len = streamLength(p);
    const bBase = p.regionBase + len * F64_BYTES;
    let x = seedFor(p.seed, p.vcpu, 0x7374);
    // b and c in [1, 2), so a stays finite and far from cancellation.
    for (let i = 0; i < 2 * len; i++) {
      x = xorshift32(x);
      mem.storeF64(bBase + i * F64_BYTES, 1 + x * UINT32_SCALE);
    }
    regs[R_POS] = 0;
    regs[R_SWEEPS] = 0;
  },
  step(mem, regs, budget, p) {
    const len = streamLength(p);
    const aBase = p.regionBase;
    const bBase = aBase + len * F64_BYTES;
    const cBase = bBase + len * F64_BYTES;
    let i = regs[R_POS];
    let sweeps = regs[R_SWEEPS];
    let q = streamScalar(sweeps);
    for (let n = 0; n < budget; n++) {
      const off = i * F64_BYTES;
      mem.storeF64(aBase + off, mem.loadF64(bBase + off) + q * mem.loadF64(cBase + off));
      if (++i === len) {
        i = 0;
        q = streamScalar(++sweeps);
      }
    }
    regs[R_POS] = i;
    regs[R_SWEEPS] = sweeps;
    return budget;
  },
  result(mem, _regs, p) {
    return regionChecksum(mem, p.regionBase, 3 * streamLength(p) * F64_BYTES);
  },
});
