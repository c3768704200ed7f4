import { defineWorkload, type WorkloadParams } from './define.js';
import { regionChecksum } from './checksum.js';
import { fnvWord, FNV_OFFSET, seedFor, xorshift32 } from './rng.js';

const F64_BYTES = 8;
const R_I = 0;
const R_K = 1;
const R_J = 2;
export const R_ROUNDS = 3; // finished products: C holds rounds × A×B

/** The matrix order: the largest n with three n×n Float64 matrices in the region. */
export function matmulOrder(p: WorkloadParams): number {
  return Math.floor(Math.sqrt(p.regionBytes / F64_BYTES / 3));
}

/**
 * Matrix multiply C += A×B in i-k-j order (the inner loop streams a row of B and a row
 * of C); when a product is done it starts over, so C grows by A×B each round. A and B
 * hold small integers, so every sum is exact and any summation order gives the same C.
 */
export const matmul = defineWorkload({
  name: 'matmul',
  op: 'one multiply-add C[i][j] += A[i][k]*B[k][j] (three 64-bit loads + one store)',
  init(mem, regs, p) {
    const n = matmulOrder(p);
    let x = seedFor(p.seed, p.vcpu, 0x6d6d);
    // A then B, integers in [-128, 128); C starts at zero.
    for (let e = 0; e < 2 * n * n; e++) {
      x = xorshift32(x);
      mem.storeF64(p.regionBase + e * F64_BYTES, (x >>> 24) - 128);
    }
    const cBase = p.regionBase + 2 * n * n * F64_BYTES;
    for (let e = 0; e < n * n; e++) mem.storeF64(cBase + e * F64_BYTES, 0);
    regs[R_I] = 0;
    regs[R_K] = 0;
    regs[R_J] = 0;
    regs[R_ROUNDS] = 0;
  },
  step(mem, regs, budget, p) {
    const n = matmulOrder(p);
    const rowBytes = n * F64_BYTES;
    const aBase = p.regionBase;
    const bBase = aBase + n * rowBytes;
    const cBase = bBase + n * rowBytes;
    let i = regs[R_I];
    let k = regs[R_K];
    let j = regs[R_J];
    let rounds = regs[R_ROUNDS];
    for (let op = 0; op < budget; op++) {
      const c = cBase + i * rowBytes + j * F64_BYTES;
      mem.storeF64(c, mem.loadF64(c) + mem.loadF64(aBase + i * rowBytes + k * F64_BYTES) * mem.loadF64(bBase + k * rowBytes + j * F64_BYTES));
      if (++j === n) {
        j = 0;
        if (++k === n) {
          k = 0;
          if (++i === n) {
            i = 0;
            rounds++;
          }
        }
      }
    }
    regs[R_I] = i;
    regs[R_K] = k;
    regs[R_J] = j;
    regs[R_ROUNDS] = rounds;
    return budget;
  },
  result(mem, regs, p) {
    const n = matmulOrder(p);
    return regionChecksum(mem, p.regionBase, 3 * n * n * F64_BYTES, fnvWord(FNV_OFFSET, regs[R_ROUNDS]));
  },
});
