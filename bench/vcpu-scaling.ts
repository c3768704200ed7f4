import { atLeast, row, type Benchmark } from './lib/bench.js';
import { runWith } from './lib/run.js';

/**
 * vCPU scaling: native gups throughput with 2 vCPUs over 1, each vCPU with its own
 * 32 MiB table (2 vCPUs get twice the RAM), runs interleaved.
 */
export const vcpuScaling: Benchmark = {
  name: 'vcpu-scaling',
  async run(ctx) {
    const ratios: number[] = [];
    const tput = (vcpus: number) =>
      runWith({ workload: 'gups', mode: 'native', vcpus: String(vcpus), mem: `${32 * vcpus}MiB`, duration: '1s' })
        .then((r) => r.throughput.opsPerSec);
    for (let r = 0; r < ctx.reps; r++) {
      const one = r % 2 === 0 ? await tput(1) : 0;
      const two = await tput(2);
      const one2 = r % 2 === 0 ? one : await tput(1);
      ctx.log(`  gups native: 1 vCPU ${one2} ops/s, 2 vCPUs ${two} ops/s`);
      ratios.push(two / one2);
    }
    return [row('vCPU scaling (gups native, 2 / 1)', 'ratio', atLeast(1.6), ratios)];
  },
};
