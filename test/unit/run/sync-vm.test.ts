import { describe, expect, it } from 'vitest';
import { runSync } from '../../../src/run/sync-vm.js';
import { BUILTIN_WORKLOADS } from '../../../src/guest/workloads/registry.js';
import {
  CTRL_ACKED, CTRL_EPOCH, CTRL_FINISHED, CTRL_INITIAL_HOLD, CTRL_PARKED, CTRL_RESUME_SEQ, VCPU_STATE, VcpuState, vcpuWord,
} from '../../../src/vm/layout.js';

// The single-threaded twin goes through the threads' epoch protocol: its scripted vCPUs
// park and finish in the control block, and the protocol's words end as a threaded run's do.
describe('the twin drives the epoch protocol through the control block', () => {
  it('every epoch is held, acked and resumed as in a threaded run', () => {
    const run = runSync({ workload: BUILTIN_WORKLOADS.kv!, mode: 'logdirty', pages: 64, vcpus: 2, seed: 3, options: {}, opsPerVcpu: 2500, epochOps: 1000 });
    const ctrl = run.primary.ctrl;
    const last = Math.ceil(2500 / 1000);
    expect(run.epochs.map((e) => [e.image.epoch, e.image.final])).toEqual([[0, false], [1, false], [2, false], [3, true]]);
    expect(Atomics.load(ctrl, CTRL_INITIAL_HOLD)).toBe(0); // released by handOver
    expect(Atomics.load(ctrl, CTRL_ACKED)).toBe(last + 1); // every epoch, 0 included
    expect(Atomics.load(ctrl, CTRL_RESUME_SEQ)).toBe(last); // after epoch 0 and each but the final one
    expect(Atomics.load(ctrl, CTRL_EPOCH)).toBe(last);
    expect(Atomics.load(ctrl, CTRL_FINISHED)).toBe(2);
    expect(Atomics.load(ctrl, CTRL_PARKED)).toBe(2);
    for (const v of [0, 1]) expect(Atomics.load(ctrl, vcpuWord(v, VCPU_STATE))).toBe(VcpuState.Finished);
    expect(run.epochs.map((e) => e.counts.dirtyPages).every((n) => n > 0)).toBe(true);
  });
});

// The in-process default: the pause copies each dirty page into the backup's mirror.
describe('a mirrored backup image', () => {
  for (const mode of ['logdirty', 'rfr', 'wfp', 'dbit', 'pml'] as const) {
    it(`${mode}: the same epochs and image as a backup fed staging buffers, and equal to the primary at the end`, () => {
      const spec = { workload: BUILTIN_WORKLOADS.hotcold!, mode, pages: 256, vcpus: 2, seed: 5, options: {}, opsPerVcpu: 6000, epochOps: 1000 };
      const staged = runSync(spec);
      const mirrored = runSync({ ...spec, mirror: true, copy: 'superpage' });
      expect(mirrored.epochs.map((e) => e.image.mirrored)).toEqual(staged.epochs.map(() => true));
      expect(mirrored.epochs.every((e) => e.image.pages.length === 0)).toBe(true);
      expect(mirrored.epochs.map((e) => e.counts.dirtyPages)).toEqual(staged.epochs.map((e) => e.counts.dirtyPages));
      expect(mirrored.backup.committedEpoch).toBe(staged.backup.committedEpoch);
      expect(Buffer.compare(mirrored.backup.ram, staged.backup.ram)).toBe(0);
      expect(Buffer.compare(mirrored.backup.ram, mirrored.primary.ram8)).toBe(0);
      expect(mirrored.backup.contexts).toEqual(staged.backup.contexts);
    });
  }
});

// --copy-at background: the pause write-protects the dirty set, the copy runs after the
// resume. The twin copies before its scripted vCPUs run, so no write finds a page
// pending; what this holds is that the protection the copy lends and gives back leaves
// every mode's counts and images exactly as a pause copy does.
describe('a backup image copied in the background', () => {
  for (const mode of ['logdirty', 'rfr', 'wfp', 'dbit', 'pml'] as const) {
    it(`${mode}: the same counts and images as the pause copy`, () => {
      const spec = { workload: BUILTIN_WORKLOADS.hotcold!, mode, pages: 256, vcpus: 2, seed: 9, options: {}, opsPerVcpu: 6000, epochOps: 1000, mirror: true };
      const paused = runSync(spec);
      const background = runSync({ ...spec, background: true });
      const counts = (r: typeof paused) => r.epochs.map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.faultsPmlFull, e.counts.dirtyPages, e.counts.predictor?.hits ?? 0]);
      expect(counts(background)).toEqual(counts(paused));
      expect(background.epochs.map((e) => e.counts.faultsCow).every((n) => n === 0)).toBe(true);
      expect(background.result).toBe(paused.result);
      expect(Buffer.compare(background.backup.ram, paused.backup.ram)).toBe(0);
      expect(Buffer.compare(background.backup.ram, background.primary.ram8)).toBe(0);
    });
  }
});
