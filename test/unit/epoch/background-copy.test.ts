import { describe, expect, it } from 'vitest';
import {
  BG_IDLE, BG_PENDING, BG_PENDING_GRANT, BackgroundCopy, CopyBeforeWrite, allocateBackgroundState,
} from '../../../src/epoch/background-copy.js';
import { Checkpointer } from '../../../src/epoch/checkpointer.js';
import { createCopyEngine } from '../../../src/epoch/copy-engine.js';
import { createPolicy } from '../../../src/tracking/modes.js';
import type { FaultHandler, TrackedMode } from '../../../src/tracking/policy.js';
import { TrackedMemory } from '../../../src/vm/access.js';
import {
  CTRL_FAULTS_COW, FAULT_READ, FAULT_WRITE, PAGE_SIZE, SPT_P, SPT_PW, SPT_W, WORDS_PER_PAGE, type FaultKind,
} from '../../../src/vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../../../src/vm/vm-buffers.js';

const PAGES = 64;

function setup(): { vm: VmViews; bg: BackgroundCopy; state: Int32Array; mirror32: Uint32Array } {
  const vm = attachVm(allocateVm(PAGES, 1));
  for (let i = 0; i < vm.ram32.length; i++) vm.ram32[i] = Math.imul(i + 1, 2654435761) >>> 0;
  const state = allocateBackgroundState(PAGES);
  const mirror = new SharedArrayBuffer(PAGES * PAGE_SIZE);
  return { vm, bg: new BackgroundCopy(vm, { state, mirror }), state: new Int32Array(state), mirror32: new Uint32Array(mirror) };
}

const page = (words: Uint32Array, pfn: number) => Array.from(words.subarray(pfn * WORDS_PER_PAGE, (pfn + 1) * WORDS_PER_PAGE));

describe('the background copy', () => {
  it('arm write-protects the dirty pages and remembers which had W; drain copies them and gives W back to those only', () => {
    const { vm, bg, state, mirror32 } = setup();
    vm.spt[3] = SPT_P; // the mode revoked W (logdirty, rfr)
    vm.spt[9] = SPT_PW; // the mode granted W (a prediction, dbit, pml)
    const dirty = Uint32Array.of(3, 9);
    bg.arm(dirty);
    expect([vm.spt[3], vm.spt[9]]).toEqual([SPT_P, SPT_P]);
    expect([state[3], state[9], state[4]]).toEqual([BG_PENDING, BG_PENDING_GRANT, BG_IDLE]);
    expect(bg.drain(dirty)).toBe(2);
    expect([vm.spt[3], vm.spt[9]]).toEqual([SPT_P, SPT_PW]);
    expect([state[3], state[9]]).toEqual([BG_IDLE, BG_IDLE]);
    expect(page(mirror32, 3)).toEqual(page(vm.ram32, 3));
    expect(page(mirror32, 9)).toEqual(page(vm.ram32, 9));
    expect(page(mirror32, 4).every((w) => w === 0)).toBe(true); // not dirty: not copied
    expect(Atomics.load(vm.ctrl, CTRL_FAULTS_COW)).toBe(0);
  });

  it('a write fault on a pending page copies it first, so the backup gets the page as it was in the pause', () => {
    const { vm, bg, mirror32 } = setup();
    vm.spt[5] = SPT_P;
    const before = page(vm.ram32, 5);
    bg.arm(Uint32Array.of(5));
    expect(bg.beforeWrite(5)).toBe(false); // no W to give back: the mode's own write fault follows
    vm.ram32[5 * WORDS_PER_PAGE] ^= 0xffffffff; // the guest's write, after its fault
    expect(bg.drain(Uint32Array.of(5))).toBe(0); // the fault copied it already
    expect(page(mirror32, 5)).toEqual(before);
    expect(Atomics.load(vm.ctrl, CTRL_FAULTS_COW)).toBe(1);
  });

  it('a write fault on a pending page the mode had granted gives W back and needs no tracking fault', () => {
    const { vm, bg } = setup();
    vm.spt[7] = SPT_PW;
    bg.arm(Uint32Array.of(7));
    expect(bg.beforeWrite(7)).toBe(true);
    expect(vm.spt[7] & SPT_W).toBe(SPT_W);
    expect(bg.beforeWrite(8)).toBe(false); // never pending, read-only: not counted
    expect(Atomics.load(vm.ctrl, CTRL_FAULTS_COW)).toBe(1);
  });

  it('refuses buffers of the wrong size', () => {
    const vm = attachVm(allocateVm(PAGES, 1));
    expect(() => new BackgroundCopy(vm, { state: allocateBackgroundState(PAGES - 1), mirror: new SharedArrayBuffer(PAGES * PAGE_SIZE) })).toThrow(/state/);
    expect(() => new BackgroundCopy(vm, { state: allocateBackgroundState(PAGES), mirror: new SharedArrayBuffer(PAGE_SIZE) })).toThrow(/mirror/);
  });

  it('CopyBeforeWrite passes reads on, and writes unless the copy gave W back', () => {
    const { vm, bg } = setup();
    const seen: [FaultKind, number][] = [];
    const inner: FaultHandler = { serviceFault: (kind, pfn) => void seen.push([kind, pfn]) };
    const handler = new CopyBeforeWrite(inner, bg);
    vm.spt[1] = SPT_PW;
    vm.spt[2] = SPT_P;
    bg.arm(Uint32Array.of(1, 2));
    handler.serviceFault(FAULT_READ, 1, 0);
    handler.serviceFault(FAULT_WRITE, 1, 0); // granted page: W back, no tracking fault
    handler.serviceFault(FAULT_WRITE, 2, 0); // read-only page: the mode's write fault
    expect(seen).toEqual([[FAULT_READ, 1], [FAULT_WRITE, 2]]);
  });
});

/** A checkpointer of `mode` copying in the background into a fresh mirror, without threads. */
function backgroundCheckpointer(mode: TrackedMode, verify: boolean) {
  const vm = attachVm(allocateVm(PAGES, 1));
  const mirror = new SharedArrayBuffer(PAGES * PAGE_SIZE);
  const policy = createPolicy(mode, vm, { predictor: 'last' });
  const bg = new BackgroundCopy(vm, { state: allocateBackgroundState(PAGES), mirror });
  const engine = createCopyEngine('per-page', vm.ram8.buffer as SharedArrayBuffer);
  const cp = new Checkpointer(vm, policy, engine, verify, () => performance.now(), undefined, new Uint8Array(mirror), bg);
  return { vm, cp, policy, bg, mirror };
}

// The checkpointer and a guest without threads: the guest writes between the resume and
// the background copy, and the backup's image is still the paused state.
describe('a checkpoint copied in the background', () => {
  for (const mode of ['logdirty', 'rfr', 'wfp', 'dbit', 'pml'] as TrackedMode[]) {
    it(`${mode}: the guest's writes before the copy reach the next epoch, not this one`, () => {
      const { vm, cp, policy, bg, mirror } = backgroundCheckpointer(mode, true);
      const mirror8 = new Uint8Array(mirror);
      const handler = new CopyBeforeWrite(policy, bg);
      const mem = new TrackedMemory(vm, { fault: (kind, pfn) => handler.serviceFault(kind, pfn, 0) }, mode === 'pml' ? vm.pml[0] : null);

      cp.initial();
      const writeAll = (value: number) => { for (let p = 0; p < 8; p++) mem.store32(p * PAGE_SIZE + 4, value); };
      writeAll(1);
      for (let epoch = 1; epoch <= 3; epoch++) {
        const out = cp.checkpoint(epoch, false);
        expect(cp.copyPending).toBe(true);
        // Counted at the pause that ends their epoch: the last epoch's four.
        expect(out.counts.faultsCow).toBe(epoch === 1 ? 0 : 4);
        expect(Array.from(out.image.pfns)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        // The guest runs before the copy: pages 0-3 are rewritten, 4-7 are not.
        for (let p = 0; p < 4; p++) mem.store32(p * PAGE_SIZE + 4, 100 + epoch);
        const done = cp.finishBackground(out);
        expect(cp.copyPending).toBe(false);
        for (let p = 0; p < 8; p++) expect(new Uint32Array(mirror, p * PAGE_SIZE, 2)[1]).toBe(epoch === 1 ? 1 : 100 + epoch - 1);
        expect(Array.from(done.image.mirrorSums!)).toEqual(Array.from(out.image.verifySums!));
        for (let p = 4; p < 8; p++) mem.store32(p * PAGE_SIZE + 4, 100 + epoch);
      }
      const last = cp.checkpoint(4, false);
      expect(last.counts.faultsCow).toBe(4); // pages 0-3, written before the copy reached them
      cp.finishBackground(last);
      expect(Buffer.compare(mirror8, vm.ram8)).toBe(0);
    });
  }

  it('a checkpoint before the last background copy finished is refused', () => {
    const { cp } = backgroundCheckpointer('rfr', false);
    cp.initial();
    cp.checkpoint(1, false);
    expect(() => cp.checkpoint(2, false)).toThrow(/unfinished/);
  });

  it('the final epoch is copied in the pause: no guest runs beside it', () => {
    const { cp } = backgroundCheckpointer('dbit', false);
    cp.initial();
    cp.checkpoint(1, true);
    expect(cp.copyPending).toBe(false);
  });
});
