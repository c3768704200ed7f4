import { describe, expect, it } from 'vitest';
import { FAULT_PML_FULL, FAULT_READ, FAULT_WRITE, PAGE_SIZE, SPT_PWD, type FaultKind } from '../../../src/vm/layout.js';
import { TrackedMemory, type FaultPort } from '../../../src/vm/access.js';
import { allocateVm, attachVm } from '../../../src/vm/vm-buffers.js';
import { createFaultHandler } from '../../../src/tracking/modes.js';
import { chargedExits, outOfLinePort } from '../../../src/vcpu/exit-port.js';

describe('outOfLinePort', () => {
  it('forwards every fault, in order, and returns only once the inner port has', () => {
    const seen: [FaultKind, number][] = [];
    let inside = false;
    const port = outOfLinePort({ fault: (kind, pfn) => { inside = true; seen.push([kind, pfn]); inside = false; } });
    port.fault(FAULT_READ, 3);
    expect(inside).toBe(false);
    port.fault(FAULT_WRITE, 0x7ffff);
    port.fault(FAULT_PML_FULL, 0);
    expect(seen).toEqual([[FAULT_READ, 3], [FAULT_WRITE, 0x7ffff], [FAULT_PML_FULL, 0]]);
  });

  it('passes the inner port\'s errors through to the faulting access', () => {
    const port = outOfLinePort({ fault: () => { throw new RangeError('handler failed'); } });
    expect(() => port.fault(FAULT_WRITE, 1)).toThrow('handler failed');
  });

  it('the access path through it faults and maps exactly as through the port itself', () => {
    const run = (wrap: (p: FaultPort) => FaultPort) => {
      const vm = attachVm(allocateVm(8, 1));
      const handler = createFaultHandler('logdirty', vm);
      let faults = 0;
      const mem = new TrackedMemory(vm, wrap({ fault: (k, p) => { faults++; handler.serviceFault(k, p, 0); } }));
      for (const page of [2, 5, 2, 7]) mem.store32(page * PAGE_SIZE + 4, page);
      expect(mem.load32(5 * PAGE_SIZE + 4)).toBe(5);
      return { faults, spt: [...vm.spt], bitmap: [...vm.bitmap] };
    };
    const direct = run((p) => p);
    expect(run(outOfLinePort)).toEqual(direct);
    expect(direct.spt.filter((e) => e === SPT_PWD)).toHaveLength(3);
  });
});

describe('chargedExits (--exit-cost)', () => {
  it('returns from a fault only once the modelled exit has passed on the clock, after the handler', () => {
    let t = 0; // ms, advanced 0.25 µs per look
    const clock = () => (t += 0.00025);
    const log: string[] = [];
    const port = chargedExits({ fault: (kind, pfn) => void log.push(`handled ${kind}:${pfn} at ${t.toFixed(5)}`) }, 2, clock);
    const start = t;
    port.fault(FAULT_WRITE, 9);
    expect(log).toEqual([`handled ${FAULT_WRITE}:9 at ${start.toFixed(5)}`]);
    expect(t - start).toBeGreaterThanOrEqual(0.002); // 2 µs
    expect(t - start).toBeLessThan(0.0026);
    const before = t;
    port.fault(FAULT_READ, 1);
    expect(t - before).toBeGreaterThanOrEqual(0.002); // every exit pays
  });

  it('0 is the port itself', () => {
    const inner: FaultPort = { fault: () => {} };
    expect(chargedExits(inner, 0, () => 0)).toBe(inner);
  });
});
