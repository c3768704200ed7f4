import { describe, expect, it } from 'vitest';
import { Vm, type VcpuPlan } from '../../../src/run/vm-launcher.js';
import { ThreadError } from '../../../src/run/threads.js';
import { allocateVm } from '../../../src/vm/vm-buffers.js';

// The launcher with real vCPU threads and nothing checkpointing (as a native run or a
// failover): it releases the guest once every vCPU parked, and stops it on the duration.
const plan = (over: Partial<VcpuPlan>): VcpuPlan => ({
  mode: 'native', workload: 'seqwrite', seed: 1, options: {}, opsLimit: Infinity, epochOps: Infinity, stepOps: 1024,
  spin: 0, verify: false, restored: false, intervals: null, cpuProf: null, ...over,
});

describe('Vm launcher', () => {
  it('releases the parked vCPUs together and stops them when the duration is up', async () => {
    const seen: string[] = [];
    const vm = Vm.launch({ buffers: allocateVm(64, 2), vcpu: plan({}), durationMs: 150, checkpointing: null }, {
      onMessage: (m) => seen.push(m.type),
    });
    const t0 = Date.now();
    await vm.whenAllExited();
    expect(vm.runningAt).not.toBeNull();
    expect(vm.runningAt!).toBeGreaterThanOrEqual(t0);
    expect(vm.vcpuDone.map((d) => d.vcpu)).toEqual([0, 1]);
    expect(vm.vcpuDone.every((d) => d.ops > 0 && d.finishedAt >= d.startedAt)).toBe(true);
    expect(seen.filter((t) => t === 'vcpu-started')).toHaveLength(2); // every message still reaches the caller
    expect(vm.checkpointerDone).toBeNull();
  });

  it('ends on the operation limit without a duration', async () => {
    const vm = Vm.launch({ buffers: allocateVm(64, 1), vcpu: plan({ opsLimit: 5000 }), durationMs: null, checkpointing: null }, { onMessage: () => {} });
    await vm.whenAllExited();
    expect(vm.vcpuDone.map((d) => d.ops)).toEqual([5000]);
  });

  it('a failing vCPU fails the launch, naming the thread, and the caller hears of it', async () => {
    let failed = false;
    const vm = Vm.launch({ buffers: allocateVm(64, 2), vcpu: plan({ workload: 'no-such-workload' }), durationMs: null, checkpointing: null }, {
      onMessage: () => {},
      onFail: () => (failed = true),
    });
    const error = await vm.whenAllExited().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadError);
    expect((error as Error).message).toMatch(/^vcpu-[01]: unknown workload "no-such-workload"/);
    expect(failed).toBe(true);
  });
});
