import { describe, expect, it } from 'vitest';
import { GuestAccessError, Hot, TrackedMemory, type FaultPort } from '../../../src/vm/access.js';
import {
  FAULT_PML_FULL, FAULT_READ, FAULT_WRITE, PAGE_SHIFT, PAGE_SIZE, PML_ENTRIES, PML_INDEX, PML_INDEX_EMPTY, SPT_D, SPT_P, SPT_PW, SPT_PWD, SPT_W,
  type FaultKind,
} from '../../../src/vm/layout.js';
import { allocateVm, attachVm } from '../../../src/vm/vm-buffers.js';

/** A port that records faults and resolves them the way a write/read fault would. */
function recordingPort(spt: Uint8Array) {
  const faults: [FaultKind, number][] = [];
  const port: FaultPort = {
    fault(kind, pfn) {
      faults.push([kind, pfn]);
      if (kind === FAULT_READ) spt[pfn] |= SPT_P;
      if (kind === FAULT_WRITE) spt[pfn] |= SPT_PWD;
    },
  };
  return { faults, port };
}

/** As recordingPort, and a log-full exit drains the PML log (keeps what it held). */
function pmlPort(spt: Uint8Array, ring: () => Int32Array) {
  const { faults, port: base } = recordingPort(spt);
  const drained: number[] = [];
  const port: FaultPort = {
    fault(kind, pfn) {
      base.fault(kind, pfn);
      if (kind !== FAULT_PML_FULL) return;
      const r = ring();
      for (let i = r[PML_INDEX] + 1; i <= PML_INDEX_EMPTY; i++) drained.push(r[1 + i]);
      r[PML_INDEX] = PML_INDEX_EMPTY;
    },
  };
  return { faults, port, drained };
}

function setup(pages = 8, pml = false) {
  const vm = attachVm(allocateVm(pages, 1));
  const { faults, port, drained } = pmlPort(vm.spt, () => vm.pml[0]);
  const mem = new TrackedMemory(vm, port, pml ? vm.pml[0] : null);
  return { vm, faults, mem, drained };
}

describe('guest access path (docs/design.md, Access path)', () => {
  const cases: { entry: number; op: 'load' | 'store'; faults: FaultKind[]; after: number }[] = [
    { entry: 0, op: 'load', faults: [FAULT_READ], after: SPT_P },
    { entry: SPT_P, op: 'load', faults: [], after: SPT_P },
    { entry: 0, op: 'store', faults: [FAULT_WRITE], after: SPT_PWD },
    { entry: SPT_P, op: 'store', faults: [FAULT_WRITE], after: SPT_PWD },
    // Writable but clean: the vCPU sets D itself, no exit.
    { entry: SPT_PW, op: 'store', faults: [], after: SPT_PWD },
    { entry: SPT_PWD, op: 'store', faults: [], after: SPT_PWD },
    { entry: SPT_PW, op: 'load', faults: [], after: SPT_PW },
    // W without P still stores through the dirty-bit path (no read permission needed).
    { entry: SPT_W, op: 'store', faults: [], after: SPT_W | SPT_D },
  ];
  for (const c of cases) {
    it(`${c.op} on entry ${c.entry} -> faults [${c.faults}], entry ${c.after}`, () => {
      const { vm, faults, mem } = setup();
      vm.spt[3] = c.entry;
      const addr = 3 * PAGE_SIZE + 8;
      if (c.op === 'load') mem.load32(addr);
      else mem.store32(addr, 0xdeadbeef);
      expect(faults.map((f) => f[0])).toEqual(c.faults);
      expect(faults.every((f) => f[1] === 3)).toBe(true);
      expect(vm.spt[3]).toBe(c.after);
      if (c.op === 'store') expect(vm.ram32[addr >>> 2]).toBe(0xdeadbeef);
    });
  }

  it('all widths go through the same check', () => {
    const { vm, faults, mem } = setup();
    mem.store8(5, 7);
    mem.storeF64(PAGE_SIZE + 8, 1.5);
    expect(mem.load8(5)).toBe(7);
    expect(mem.loadF64(PAGE_SIZE + 8)).toBe(1.5);
    mem.touchRead(2);
    mem.touchWrite(4);
    expect(faults).toEqual([[FAULT_WRITE, 0], [FAULT_WRITE, 1], [FAULT_READ, 2], [FAULT_WRITE, 4]]);
    expect(vm.spt[4]).toBe(SPT_PWD);
  });

  it('an access beyond guest RAM is an error, not a silent write', () => {
    const { mem } = setup(4);
    expect(() => mem.store32(4 * PAGE_SIZE, 1)).toThrow(GuestAccessError);
    expect(() => mem.load32(9 * PAGE_SIZE)).toThrow(/beyond guest RAM/);
  });

  it('pml: the store that sets D logs at the index, which runs 511 down to 0', () => {
    const { vm, faults, mem } = setup(4, true);
    vm.spt.fill(SPT_PW);
    expect(vm.pml[0][PML_INDEX]).toBe(PML_ENTRIES - 1);
    mem.store32(0, 1);
    mem.store32(4, 2); // D already set: not logged again
    mem.store32(3 * PAGE_SIZE, 3);
    expect(vm.pml[0][PML_INDEX]).toBe(PML_ENTRIES - 3);
    expect([vm.pml[0][1 + 511], vm.pml[0][1 + 510]]).toEqual([0, 3]);
    expect(faults).toEqual([]);
  });

  it('pml: the log-full exit comes on the 513th dirty page, before its D bit is set', () => {
    const pages = 2 * PML_ENTRIES + 2;
    const { vm, faults, mem, drained } = setup(pages, true);
    vm.spt.fill(SPT_PW);
    for (let p = 0; p < PML_ENTRIES; p++) mem.store32(p * PAGE_SIZE, p);
    // 512 logged, index out of range: no exit yet, as on Intel hardware.
    expect(vm.pml[0][PML_INDEX]).toBe(-1);
    expect(faults).toEqual([]);
    mem.store32(PML_ENTRIES * PAGE_SIZE, 1);
    expect(faults).toEqual([[FAULT_PML_FULL, PML_ENTRIES]]);
    // The first page logged sits at index 511, the 512th at 0.
    expect(drained).toEqual(Array.from({ length: PML_ENTRIES }, (_, i) => PML_ENTRIES - 1 - i));
    // After the drain the store retried: D set, logged at 511.
    expect(vm.spt[PML_ENTRIES] & SPT_D).toBe(SPT_D);
    expect(vm.pml[0][PML_INDEX]).toBe(PML_ENTRIES - 2);
    expect(vm.pml[0][1 + 511]).toBe(PML_ENTRIES);
    for (let p = PML_ENTRIES + 1; p < 2 * PML_ENTRIES; p++) mem.store32(p * PAGE_SIZE, p);
    expect(faults.length).toBe(1); // 1,024 dirty pages: one exit
    mem.store32(2 * PML_ENTRIES * PAGE_SIZE, 1);
    expect(faults).toEqual([[FAULT_PML_FULL, PML_ENTRIES], [FAULT_PML_FULL, 2 * PML_ENTRIES]]); // the 1,025th
  });
});

describe('the access path constants', () => {
  it('are the layout constants, inlined', () => {
    expect([Hot.Shift, Hot.P, Hot.D, Hot.PW, Hot.PWD]).toEqual([PAGE_SHIFT, SPT_P, SPT_D, SPT_PW, SPT_PWD]);
  });
});
