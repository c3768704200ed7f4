// Runs one after another in one process (hbft compare, the benchmarks) must not keep
// every finished run's shared guest RAM and backup mirror: V8 counts SharedArrayBuffers
// toward no heap limit, so only runVm's own collection frees them.
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';

describe('a process that runs many VMs', () => {
  it('holds at most two runs\' guest RAM and mirrors after each run', { timeout: 120_000 }, async () => {
    const runBytes = 2 * (64 << 20); // guest RAM + the in-process mirror
    const held: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { pause } = await runVm(resolveRunConfig({ workload: 'seqwrite', mode: 'rfr', mem: '64MiB', duration: '200ms', 'epoch-ms': '25' }));
      pause.destroy();
      held.push(process.memoryUsage().arrayBuffers);
    }
    // This run's, and at most one earlier run's that V8 has not swept yet.
    expect(Math.max(...held), `arrayBuffers after each run: ${held.map((b) => (b / 2 ** 20).toFixed(0)).join(', ')} MiB`).toBeLessThan(2.5 * runBytes);
  });
});
