import { describe, expect, it } from 'vitest';
import { resolveRunConfig, type RunFlagValues } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';
import { runSync } from '../../src/run/sync-vm.js';
import { BUILTIN_WORKLOADS, STANDARD_WORKLOADS } from '../../src/guest/workloads/registry.js';
import { referenceResult } from '../../src/run/reference.js';

async function run(flags: RunFlagValues) {
  const { results, pause } = await runVm(resolveRunConfig(flags));
  pause.destroy();
  return results;
}

describe('real threads: every workload, 1 and 2 vCPUs, checkpointed and verified', () => {
  for (const workload of STANDARD_WORKLOADS) {
    for (const vcpus of ['1', '2']) {
      it(`${workload} x${vcpus}: deterministic epochs`, async () => {
        const r = await run({ workload, vcpus, mode: 'logdirty', mem: '4MiB', ops: '40000', 'epoch-ops': '7000', verify: true });
        expect(r.backup.consistent).toBe(true);
        expect(r.workload.verified).toBe(true);
        expect(r.workload.ops).toBe(40000 * Number(vcpus));
        expect(r.epochs).toBe(Math.ceil(40000 / 7000));
        expect(r.backup.committedEpochs).toBe(r.epochs + 1);
        expect(r.faults.write).toBeGreaterThan(0);
      });

      it(`${workload} x${vcpus}: timer epochs`, async () => {
        const r = await run({ workload, vcpus, mode: 'logdirty', mem: '4MiB', ops: '30000', 'epoch-ms': '3', verify: true });
        expect(r.backup.consistent).toBe(true);
        expect(r.workload.verified).toBe(true);
        expect(r.epochs).toBeGreaterThan(0);
        expect(r.pauseUs.count).toBe(r.epochs);
      });
    }
  }

  it('native mode runs without checkpoints and gives the reference result', async () => {
    const r = await run({ workload: 'kv', vcpus: '2', mode: 'native', mem: '4MiB', ops: '50000', verify: true });
    expect(r.epochs).toBe(0);
    expect(r.faults).toEqual({ read: 0, write: 0 });
    expect(r.workload.verified).toBe(true);
    expect(r.workload.result).toBe(referenceResult({ workload: BUILTIN_WORKLOADS.kv, pages: 1024, vcpus: 2, seed: 1, options: {}, opsPerVcpu: [50000, 50000] }));
  });

  it('a duration run stops on time and still verifies', async () => {
    const r = await run({ workload: 'gups', mode: 'logdirty', mem: '2MiB', duration: '300ms', verify: true });
    expect(r.durationMs).toBeGreaterThan(250);
    expect(r.durationMs).toBeLessThan(5000);
    expect(r.backup.consistent).toBe(true);
    expect(r.workload.verified).toBe(true);
  });

  for (const workload of ['hotcold', 'kv', 'script'] as const) {
    it(`${workload}: threaded fault counts per epoch equal the single-thread run exactly`, async () => {
      const options = workload === 'script' ? { script: 'r0 w0 r1 r2 w1 w3 r0 r3 w2 r5 w5 r6' } : {};
      const flags: RunFlagValues = { workload, mode: 'logdirty', mem: '1MiB', ops: '12', 'epoch-ops': '4', ...options };
      if (workload !== 'script') Object.assign(flags, { ops: '30000', 'epoch-ops': '3000' });
      const threaded = await run(flags);
      const sync = runSync({
        workload: BUILTIN_WORKLOADS[workload], mode: 'logdirty', pages: 256, vcpus: 1, seed: 1, options,
        opsPerVcpu: Number(flags.ops), epochOps: Number(flags['epoch-ops']),
      });
      const want = sync.epochs.slice(1).map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.dirtyPages]);
      expect(threaded.epochLog.map((e) => [e.faultsRead, e.faultsWrite, e.dirtyPages])).toEqual(want);
      expect(threaded.workload.result).toBe(sync.result);
    });
  }
});
