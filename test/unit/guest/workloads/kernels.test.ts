import { describe, expect, it } from 'vitest';
import { UntrackedMemory } from '../../../../src/vm/access.js';
import { CTX_WORKLOAD_SLOTS, PAGE_SIZE } from '../../../../src/vm/layout.js';
import type { Workload } from '../../../../src/guest/workloads/define.js';
import { matmul, matmulOrder, R_ROUNDS } from '../../../../src/guest/workloads/matmul.js';
import { NODE_BYTES, ptrchase, ptrchaseNodes } from '../../../../src/guest/workloads/ptrchase.js';
import { workloadParams } from '../../../../src/guest/workloads/params.js';
import { R_SORTED, sort, sortChunkWords } from '../../../../src/guest/workloads/sort.js';
import { stream, streamLength, streamScalar } from '../../../../src/guest/workloads/stream.js';

// A region that does not start at 0, so a workload that ignores regionBase shows.
function setup(w: Workload, pages: number, seed = 3) {
  const buf = new ArrayBuffer(2 * pages * PAGE_SIZE);
  const mem = new UntrackedMemory({ ram8: new Uint8Array(buf), ram32: new Uint32Array(buf), ramF64: new Float64Array(buf) });
  const params = workloadParams(1, 2, 2 * pages, seed, {});
  const regs = new Float64Array(CTX_WORKLOAD_SLOTS);
  w.init(mem, regs, params);
  return { mem, regs, params, f64: new Float64Array(buf), u32: new Uint32Array(buf) };
}

describe('stream', () => {
  it('a[i] = b[i] + q*c[i], with q of the sweep that wrote it', () => {
    const { mem, regs, params, f64 } = setup(stream, 8);
    const len = streamLength(params);
    const a = params.regionBase / 8;
    const b = a + len;
    const c = b + len;
    const half = len >>> 1;
    stream.step(mem, regs, len + half, params); // one sweep, then half of the next
    for (let i = 0; i < len; i++) {
      const q = streamScalar(i < half ? 1 : 0);
      if (f64[a + i] !== f64[b + i] + q * f64[c + i]) throw new Error(`a[${i}] = ${f64[a + i]}`);
      if (!(f64[b + i] >= 1 && f64[b + i] < 2)) throw new Error(`b[${i}] = ${f64[b + i]}`);
    }
    expect(streamScalar(0)).toBe(3);
    expect(streamScalar(1)).not.toBe(streamScalar(0));
    expect(f64.subarray(0, a).every((v) => v === 0)).toBe(true); // vCPU 0's region untouched
  });
});

describe('ptrchase', () => {
  for (const seed of [1, 2, 99]) {
    it(`seed ${seed}: the nodes form one cycle through every node`, () => {
      const { u32, params } = setup(ptrchase, 16, seed);
      const nodes = ptrchaseNodes(params);
      const next = (i: number) => u32[(params.regionBase + i * NODE_BYTES) / 4];
      const seen = new Uint8Array(nodes);
      let cur = 0;
      for (let hop = 0; hop < nodes; hop++) {
        if (seen[cur] !== 0) throw new Error(`node ${cur} revisited after ${hop} hops`);
        seen[cur] = 1;
        cur = next(cur);
      }
      expect(cur).toBe(0);
    });
  }

  it('every 8th hop increments the counter of the node it leaves', () => {
    const { mem, regs, params, u32 } = setup(ptrchase, 16);
    const nodes = ptrchaseNodes(params);
    ptrchase.step(mem, regs, 2 * nodes, params); // twice round the cycle
    let total = 0;
    for (let i = 0; i < nodes; i++) total += u32[(params.regionBase + i * NODE_BYTES + 4) / 4];
    expect(total).toBe((2 * nodes) / 8);
  });
});

describe('sort', () => {
  it('a chunk is sorted when the next starts, and holds the values it was filled with', () => {
    // Two chunks of 64 KiB, so the second one shows the move on; the first is checked.
    const { mem, regs, params, u32 } = setup(sort, 32);
    const n = sortChunkWords(params);
    const first = params.regionBase / 4;
    expect(sort.step(mem, regs, n, params)).toBe(n); // the fill of chunk 0
    const filled = u32.slice(first, first + n);
    let ops = 0;
    while (regs[R_SORTED] === 0) {
      sort.step(mem, regs, 1000, params);
      ops += 1000;
      if (ops > 50_000_000) throw new Error('chunk 0 never finished');
    }
    const got = u32.slice(first, first + n);
    expect(got).toEqual(filled.sort());
    for (let i = 1; i < n; i++) if (got[i - 1] > got[i]) throw new Error(`not sorted at ${i}`);
  });

  it('wraps round to the first chunk, refilling it with new values', () => {
    const { mem, regs, params, u32 } = setup(sort, 16); // one chunk: the region
    const n = sortChunkWords(params);
    const first = params.regionBase / 4;
    // One operation at a time: a larger step would run on into the refill.
    while (regs[R_SORTED] === 0) sort.step(mem, regs, 1, params);
    const sortedOnce = u32.slice(first, first + n);
    while (regs[R_SORTED] === 1) sort.step(mem, regs, 1, params);
    const sortedTwice = u32.slice(first, first + n);
    expect(sortedTwice).not.toEqual(sortedOnce);
    for (let i = 1; i < n; i++) if (sortedTwice[i - 1] > sortedTwice[i]) throw new Error(`not sorted at ${i}`);
  });
});

describe('matmul', () => {
  it('C equals A×B after n³ operations and 2·A×B after 2n³', () => {
    const { mem, regs, params, f64 } = setup(matmul, 8);
    const n = matmulOrder(params);
    const at = params.regionBase / 8;
    const A = (i: number, k: number) => f64[at + i * n + k];
    const B = (k: number, j: number) => f64[at + n * n + k * n + j];
    const C = (i: number, j: number) => f64[at + 2 * n * n + i * n + j];
    const want: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A(i, k) * B(k, j);
        want.push(s);
      }
    }
    expect(n).toBeGreaterThan(10);
    for (const rounds of [1, 2]) {
      matmul.step(mem, regs, n * n * n, params);
      expect(regs[R_ROUNDS]).toBe(rounds);
      const got: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) got.push(C(i, j));
      expect(got).toEqual(want.map((v) => v * rounds));
    }
  });
});
