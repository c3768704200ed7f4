import { BackupImage } from '../replica/backup-image.js';
import { Checkpointer, type CheckpointCounts } from '../epoch/checkpointer.js';
import { createCopyEngine, type CopyEngineName } from '../epoch/copy-engine.js';
import type { EpochImage } from '../epoch/epoch-image.js';
import { TrackedMemory, UntrackedMemory, type FaultPort } from '../vm/access.js';
import { CTX_OPS_DONE, CTX_WORKLOAD } from '../vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../vm/vm-buffers.js';
import { createPolicy } from '../tracking/modes.js';
import { usesPmlRing, type TrackedMode } from '../tracking/policy.js';
import type { Workload } from '../guest/workloads/define.js';
import { combineResults, workloadParams } from '../guest/workloads/params.js';

export interface SyncRunSpec {
  readonly workload: Workload;
  readonly mode: TrackedMode;
  readonly pages: number;
  readonly vcpus: number;
  readonly seed: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly opsPerVcpu: number;
  readonly epochOps: number;
  readonly copy?: CopyEngineName;
  /** wfp only; `last` (the reference for exact counts) when not given. */
  readonly predictor?: string;
}

export interface SyncRun {
  readonly epochs: { image: EpochImage; counts: CheckpointCounts }[];
  readonly result: string;
  readonly backup: BackupImage;
  /** The primary's shared buffers, as of the final checkpoint. */
  readonly primary: VmViews;
}

/**
 * Deterministic mode without threads: vCPUs take turns, each running its epoch quota,
 * faults go straight to the policy, and every checkpoint is applied to a backup. The
 * same Checkpointer and policy code as the threaded run, so tests can assert exact
 * counts and images cheaply.
 */
export function runSync(spec: SyncRunSpec): SyncRun {
  const vm = attachVm(allocateVm(spec.pages, spec.vcpus));
  const policy = createPolicy(spec.mode, vm, { predictor: spec.predictor ?? 'last' });
  const cp = new Checkpointer(vm, policy, createCopyEngine(spec.copy ?? 'per-page', allocatedRam(vm)), false, () => performance.now());
  const backup = new BackupImage(spec.pages, spec.vcpus);
  const plain = new UntrackedMemory(vm);
  const vcpus = Array.from({ length: spec.vcpus }, (_, v) => {
    const params = workloadParams(v, spec.vcpus, spec.pages, spec.seed, spec.options);
    const regs = vm.contexts[v].subarray(CTX_WORKLOAD);
    spec.workload.init(plain, regs, params);
    const port: FaultPort = { fault: (kind, pfn) => policy.serviceFault(kind, pfn, v) };
    return { params, regs, ctx: vm.contexts[v], mem: new TrackedMemory(vm, port, usesPmlRing(spec.mode) ? vm.pml[v] : null), done: false };
  });

  const epochs: SyncRun['epochs'] = [];
  const commit = (c: { image: EpochImage; counts: CheckpointCounts }) => {
    backup.apply(c.image);
    epochs.push(c);
  };
  commit(cp.initial());
  for (let epoch = 1; ; epoch++) {
    for (const cpu of vcpus) {
      if (cpu.done) continue;
      const left = spec.opsPerVcpu - cpu.ctx[CTX_OPS_DONE];
      const budget = Math.min(left, spec.epochOps);
      const ran = spec.workload.step(cpu.mem, cpu.regs, budget, cpu.params);
      cpu.ctx[CTX_OPS_DONE] += ran;
      if (ran < budget || cpu.ctx[CTX_OPS_DONE] >= spec.opsPerVcpu) cpu.done = true;
    }
    const final = vcpus.every((c) => c.done);
    commit(cp.checkpoint(epoch, final));
    if (final) break;
  }
  const result = combineResults(vcpus.map((c) => spec.workload.result(plain, c.regs, c.params)));
  return { epochs, result, backup, primary: vm };
}

function allocatedRam(vm: { ram8: Uint8Array }): SharedArrayBuffer {
  return vm.ram8.buffer as SharedArrayBuffer;
}
