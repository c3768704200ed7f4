import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';

const WORKLOADS = ['stream', 'ptrchase', 'sort', 'matmul'] as const;

describe('real threads: stream, ptrchase, sort and matmul checkpointed and verified', () => {
  for (const workload of WORKLOADS) {
    for (const vcpus of [1, 2]) {
      it(`${workload} x${vcpus}: deterministic epochs under logdirty`, async () => {
        const cfg = resolveRunConfig({
          workload, vcpus: String(vcpus), mode: 'logdirty', mem: '4MiB', ops: '20000', 'epoch-ops': '5000', verify: true,
        });
        const { results, pause } = await runVm(cfg);
        pause.destroy();
        expect(results.backup.consistent).toBe(true);
        expect(results.workload.verified).toBe(true);
        expect(results.workload.ops).toBe(20000 * vcpus);
        expect(results.epochs).toBe(4);
        expect(results.faults.write).toBeGreaterThan(0);
      });
    }
  }
});
