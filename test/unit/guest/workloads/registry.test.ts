import { describe, expect, it } from 'vitest';
import { UntrackedMemory } from '../../../../src/vm/access.js';
import { CTX_SLOTS, CTX_WORKLOAD, PAGE_SIZE } from '../../../../src/vm/layout.js';
import type { Workload } from '../../../../src/guest/workloads/define.js';
import { workloadParams } from '../../../../src/guest/workloads/params.js';
import { STANDARD_WORKLOADS, BUILTIN_WORKLOADS } from '../../../../src/guest/workloads/registry.js';
import { gups } from '../../../../src/guest/workloads/gups.js';

const PAGES = 256;

function fresh(w: Workload, seed = 7) {
  const buf = new ArrayBuffer(PAGES * PAGE_SIZE);
  const mem = new UntrackedMemory({ ram8: new Uint8Array(buf), ram32: new Uint32Array(buf), ramF64: new Float64Array(buf) });
  const params = workloadParams(0, 1, PAGES, seed, {});
  const regs = new Float64Array(CTX_SLOTS - CTX_WORKLOAD);
  w.init(mem, regs, params);
  return { mem, params, regs, buf };
}

describe('workloads are resumable and seeded', () => {
  for (const name of STANDARD_WORKLOADS) {
    const w = BUILTIN_WORKLOADS[name];
    it(`${name}: any split into steps gives the same result as one step`, () => {
      const a = fresh(w);
      expect(w.step(a.mem, a.regs, 50_000, a.params)).toBe(50_000);
      const b = fresh(w);
      let left = 50_000;
      let size = 1;
      while (left > 0) {
        const n = Math.min(size, left);
        // Registers survive a checkpoint as a copy: resume from a copy each time.
        const regs = Float64Array.from(b.regs);
        expect(w.step(b.mem, regs, n, b.params)).toBe(n);
        b.regs.set(regs);
        left -= n;
        size = (size * 7 + 3) % 4099;
      }
      expect(w.result(b.mem, b.regs, b.params)).toBe(w.result(a.mem, a.regs, a.params));
      expect(Buffer.compare(new Uint8Array(a.buf), new Uint8Array(b.buf))).toBe(0);
    });

    it(`${name}: the seed changes the outcome`, () => {
      const a = fresh(w, 1);
      const b = fresh(w, 2);
      w.step(a.mem, a.regs, 20_000, a.params);
      w.step(b.mem, b.regs, 20_000, b.params);
      expect(w.result(a.mem, a.regs, a.params)).not.toBe(w.result(b.mem, b.regs, b.params));
    });
  }

  it('gups verification passes on a clean run and catches a corrupted word', () => {
    const g = fresh(gups);
    gups.step(g.mem, g.regs, 100_000, g.params);
    expect(gups.verify!(g.mem, g.regs, g.params)).toBe(true);
    g.mem.store32(4 * 123, g.mem.load32(4 * 123) ^ 1);
    expect(gups.verify!(g.mem, g.regs, g.params)).toBe(false);
  });
});
