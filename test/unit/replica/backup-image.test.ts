import { describe, expect, it } from 'vitest';
import { BackupImage } from '../../../src/replica/backup-image.js';
import { Checkpointer } from '../../../src/epoch/checkpointer.js';
import { createCopyEngine } from '../../../src/epoch/copy-engine.js';
import { imageChecksums } from '../../../src/epoch/page-checksum.js';
import { createPolicy } from '../../../src/tracking/modes.js';
import { allocateVm, attachVm } from '../../../src/vm/vm-buffers.js';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';

const contexts = [new Float64Array(CTX_SLOTS)];

describe('a mirror backup image', () => {
  it('takes a mirrored epoch without page bytes, and a plain image refuses one', () => {
    const mirror = new BackupImage(4, 1, true);
    expect(mirror.ram.buffer).toBeInstanceOf(SharedArrayBuffer);
    mirror.ram.fill(9, PAGE_SIZE, 2 * PAGE_SIZE); // the checkpointer's copy, in the pause
    mirror.apply({ epoch: 0, guestPages: 4, pfns: Uint32Array.of(0, 1, 2, 3), pages: new Uint8Array(0), contexts, final: false, mirrored: true });
    expect(mirror.committedEpoch).toBe(0);
    expect(mirror.ram[PAGE_SIZE]).toBe(9);
    const plain = new BackupImage(4, 1);
    expect(() => plain.apply({ epoch: 0, guestPages: 4, pfns: Uint32Array.of(1), pages: new Uint8Array(0), contexts, final: false, mirrored: true }))
      .toThrow(/mirror this backup does not have/);
    // Without the flag, an empty page buffer is still a short epoch.
    expect(() => mirror.apply({ epoch: 1, guestPages: 4, pfns: Uint32Array.of(1), pages: new Uint8Array(0), contexts, final: false }))
      .toThrow(/1 pfns but 0 bytes/);
  });

  it('--verify compares checksums taken in the pause, so a page the mirror lacks is found', () => {
    const vm = attachVm(allocateVm(8, 1));
    const backup = new BackupImage(8, 1, true);
    const cp = new Checkpointer(vm, createPolicy('logdirty', vm, { predictor: 'last' }), createCopyEngine('per-page', vm.ram8.buffer as SharedArrayBuffer),
      true, () => performance.now(), undefined, backup.ram);
    vm.ram8.fill(5);
    const first = cp.initial().image;
    expect(first.mirrored).toBe(true);
    backup.apply(first);
    expect(backup.mismatchedPages(first.verifySums!, first.mirrorSums)).toEqual([]);
    // A write the tracking missed: guest page 3 changes with no fault, so it is not copied.
    vm.ram8[3 * PAGE_SIZE + 7] = 6;
    const next = cp.checkpoint(1, false).image;
    expect(next.pfns.length).toBe(0);
    expect(backup.mismatchedPages(next.verifySums!, next.mirrorSums)).toEqual([3]);
    // The sums are the pause's: a later write to the mirror does not change what this epoch reports.
    backup.ram[3 * PAGE_SIZE + 7] = 6;
    expect(backup.mismatchedPages(next.verifySums!, next.mirrorSums)).toEqual([3]);
    expect(backup.mismatchedPages(next.verifySums!)).toEqual([]);
    expect(imageChecksums(backup.ram32, 8)).toEqual(next.verifySums);
  });

  it('a mirror must be the size of guest RAM', () => {
    const vm = attachVm(allocateVm(8, 1));
    expect(() => new Checkpointer(vm, createPolicy('logdirty', vm, { predictor: 'last' }), createCopyEngine('per-page', vm.ram8.buffer as SharedArrayBuffer),
      false, () => 0, undefined, new Uint8Array(7 * PAGE_SIZE))).toThrow(/mirror of 28672 bytes for 8 guest pages/);
  });
});
