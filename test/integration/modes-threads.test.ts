import { describe, expect, it } from 'vitest';
import { resolveRunConfig, type RunFlagValues } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';
import { runSync } from '../../src/run/sync-vm.js';
import { TRACKED_MODES } from '../../src/tracking/policy.js';
import { BUILTIN_WORKLOADS } from '../../src/guest/workloads/registry.js';

async function run(flags: RunFlagValues) {
  const { results, pause } = await runVm(resolveRunConfig(flags));
  pause.destroy();
  return results;
}

describe('every tracking mode on real threads', () => {
  for (const mode of TRACKED_MODES) {
    it(`${mode}: deterministic counts per epoch equal the single-thread run`, async () => {
      const r = await run({ workload: 'hotcold', mode, mem: '1MiB', ops: '30000', 'epoch-ops': '3000', verify: true, predictor: 'last' });
      const sync = runSync({ workload: BUILTIN_WORKLOADS.hotcold, mode, pages: 256, vcpus: 1, seed: 1, options: {}, opsPerVcpu: 30000, epochOps: 3000 });
      const want = sync.epochs.slice(1).map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.dirtyPages, e.counts.predictor?.hits ?? 0]);
      expect(r.epochLog.map((e) => [e.faultsRead, e.faultsWrite, e.dirtyPages, e.predHits ?? 0])).toEqual(want);
      expect(r.backup.consistent).toBe(true);
      expect(r.workload.result).toBe(sync.result);
    });

    it(`${mode}: 2 vCPUs, timer epochs, verified at every commit`, async () => {
      const r = await run({ workload: 'kv', mode, vcpus: '2', mem: '4MiB', ops: '200000', 'epoch-ms': '4', verify: true });
      expect(r.backup.consistent).toBe(true);
      expect(r.workload.verified).toBe(true);
      expect(r.epochs).toBeGreaterThan(0);
    });
  }

  // A guest write can now find its page not yet copied: the fault copies it first.
  for (const mode of TRACKED_MODES) {
    it(`${mode} --copy-at background: the counts of the pause copy, and the backup equal to the paused primary at every commit`, async () => {
      const r = await run({ workload: 'hotcold', mode, mem: '1MiB', ops: '30000', 'epoch-ops': '3000', verify: true, predictor: 'last', 'copy-at': 'background' });
      const sync = runSync({ workload: BUILTIN_WORKLOADS.hotcold, mode, pages: 256, vcpus: 1, seed: 1, options: {}, opsPerVcpu: 30000, epochOps: 3000 });
      expect(r.epochLog.map((e) => [e.faultsRead, e.faultsWrite, e.dirtyPages, e.predHits ?? 0])).toEqual(sync.epochs.slice(1).map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.dirtyPages, e.counts.predictor?.hits ?? 0]));
      expect(r.backup.consistent).toBe(true);
      expect(r.workload.result).toBe(sync.result);
      expect(r.config.copyAt).toBe('background');
      const two = await run({ workload: 'hotcold', mode, vcpus: '2', mem: '8MiB', duration: '400ms', 'epoch-ms': '5', verify: true, 'copy-at': 'background' });
      expect(two.backup.consistent).toBe(true);
      expect(two.workload.verified).toBe(true);
      // Hot pages are rewritten within microseconds of a resume: some find their copy pending.
      expect(two.epochLog.reduce((n, e) => n + (e.faultsCow ?? 0), 0)).toBeGreaterThan(0);
    });
  }

  it('--exit-cost charges time, not faults: the counts of a run without it, on both fault paths', async () => {
    for (const faultPath of ['tracker', 'inline'] as const) {
      const r = await run({ workload: 'hotcold', mode: 'rfr', mem: '1MiB', ops: '30000', 'epoch-ops': '3000', verify: true, 'exit-cost': '3', 'fault-path': faultPath });
      const sync = runSync({ workload: BUILTIN_WORKLOADS.hotcold, mode: 'rfr', pages: 256, vcpus: 1, seed: 1, options: {}, opsPerVcpu: 30000, epochOps: 3000 });
      expect(r.epochLog.map((e) => [e.faultsRead, e.faultsWrite, e.dirtyPages])).toEqual(sync.epochs.slice(1).map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.dirtyPages]));
      expect(r.backup.consistent).toBe(true);
      expect(r.config.exitCostUs).toBe(3);
    }
  });

  for (const faultPath of ['tracker', 'inline'] as const) {
    it(`--fault-path ${faultPath}: exact counts, and 2 vCPUs verified at every commit`, async () => {
      for (const mode of ['rfr', 'pml'] as const) {
        const r = await run({ workload: 'hotcold', mode, mem: '1MiB', ops: '30000', 'epoch-ops': '3000', verify: true, predictor: 'last', 'fault-path': faultPath });
        const sync = runSync({ workload: BUILTIN_WORKLOADS.hotcold, mode, pages: 256, vcpus: 1, seed: 1, options: {}, opsPerVcpu: 30000, epochOps: 3000 });
        expect(r.epochLog.map((e) => [e.faultsRead, e.faultsWrite, e.dirtyPages])).toEqual(sync.epochs.slice(1).map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.dirtyPages]));
        expect(r.config.faultPath).toBe(faultPath);
        const two = await run({ workload: 'kv', mode, vcpus: '2', mem: '4MiB', ops: '100000', 'epoch-ms': '4', verify: true, 'fault-path': faultPath });
        expect(two.backup.consistent).toBe(true);
        expect(two.workload.verified).toBe(true);
      }
    });
  }

  it('--opt all is wfp with the superpage copier and reports the predictor', async () => {
    const r = await run({ workload: 'seqwrite', opt: 'all', mem: '4MiB', ops: '400000', 'epoch-ops': '50000', verify: true }) as unknown as Record<string, any>;
    expect(r.mode).toBe('wfp');
    expect(r.config.copy).toBe('superpage');
    expect(r.backup.consistent).toBe(true);
    const log = r.epochLog as { predHits: number; predWasted: number; predMisses: number }[];
    expect(r.predictor).toEqual({ name: 'history:16:1', hits: log.reduce((a, e) => a + e.predHits, 0), wasted: log.reduce((a, e) => a + e.predWasted, 0), misses: log.reduce((a, e) => a + e.predMisses, 0) });
    expect(r.predictor.misses).toBe(r.faults.write);
  });

  it('pml counts full-ring exits', async () => {
    const r = await run({ workload: 'seqwrite', mode: 'pml', mem: '4MiB', ops: '2097152', 'epoch-ops': '1048576', verify: true }) as unknown as Record<string, any>;
    // epoch 1 maps every page by write faults; epoch 2 logs 1,024 D bits: the log fills
    // twice, but only the 513th log finds the index out of range (the checkpoint drains the rest)
    expect(r.faults.pmlFull).toBe(1);
    expect(r.backup.consistent).toBe(true);
  });
});
