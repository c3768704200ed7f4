import { BackupImage } from '../replica/backup-image.js';
import { Checkpointer, type CheckpointCounts } from '../epoch/checkpointer.js';
import { createCopyEngine, type CopyEngineName } from '../epoch/copy-engine.js';
import type { EpochImage } from '../epoch/epoch-image.js';
import { ackEpoch, handOver, runEpochs, type EpochReceiver, type EpochTiming, type ScriptedVcpus } from '../epoch/epoch-protocol.js';
import { TrackedMemory, UntrackedMemory, type FaultPort } from '../vm/access.js';
import { CTX_OPS_DONE, CTX_WORKLOAD, VCPU_STATE, VcpuState, vcpuWord } from '../vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../vm/vm-buffers.js';
import { createPolicy } from '../tracking/modes.js';
import { usesPmlRing, type FaultHandler, type TrackedMode } from '../tracking/policy.js';
import { BackgroundCopy, CopyBeforeWrite, allocateBackgroundState } from '../epoch/background-copy.js';
import { finish, markParked } from '../vcpu/vcpu-loop.js';
import type { GuestMemory, Workload, WorkloadParams } from '../guest/workloads/define.js';
import { combineResults, workloadParams } from '../guest/workloads/params.js';
import { MAX_IN_FLIGHT } from '../link/backup-link.js';

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
  /** The backup image is a mirror the Checkpointer copies into (the in-process default), not fed staging buffers. */
  readonly mirror?: boolean;
  /** --copy-at background (needs `mirror`): pages are copied after the resume, before the scripted vCPUs run. */
  readonly background?: boolean;
}

export interface SyncRun {
  readonly epochs: { image: EpochImage; counts: CheckpointCounts }[];
  readonly result: string;
  readonly backup: BackupImage;
  /** The primary's shared buffers, as of the final checkpoint. */
  readonly primary: VmViews;
}

/**
 * The twin never waits: its vCPUs have parked before the protocol looks, and its backup
 * commits and acks each epoch as it is handed over (so the ack window is always open).
 */
const TWIN_TIMING: EpochTiming = {
  epochMs: null, pauseTimeoutMs: 0, startTimeoutMs: 0, maxInFlight: MAX_IN_FLIGHT, ackTimeoutMs: 0,
};

/**
 * Deterministic mode without threads: the same epoch protocol (runEpochs), Checkpointer
 * and policies as the threaded run, with scripted vCPUs that take turns running their
 * epoch quota (faults go straight to the policy) and every checkpoint applied to a
 * backup image, so tests can assert exact counts and images cheaply.
 */
export function runSync(spec: SyncRunSpec): SyncRun {
  const vm = attachVm(allocateVm(spec.pages, spec.vcpus));
  const policy = createPolicy(spec.mode, vm, { predictor: spec.predictor ?? 'last' });
  const now = () => performance.now();
  const backup = new BackupImage(spec.pages, spec.vcpus, spec.mirror === true);
  const engine = createCopyEngine(spec.copy ?? 'per-page', allocatedRam(vm));
  const background = spec.background === true
    ? new BackgroundCopy(vm, { state: allocateBackgroundState(spec.pages), mirror: backup.ram.buffer as SharedArrayBuffer })
    : null;
  const cp = new Checkpointer(vm, policy, engine, false, now, undefined, spec.mirror === true ? backup.ram : null, background);
  const receiver: EpochReceiver<void> = { keepsPageViews: false, send: (image) => backup.apply(image) };
  const guest = new ScriptedGuest(vm, spec, background === null ? policy : new CopyBeforeWrite(policy, background));
  const epochs: SyncRun['epochs'] = [];
  runEpochs(vm.ctrl, spec.vcpus, cp, TWIN_TIMING, {
    epoch: (image, _record, counts) => {
      handOver(vm.ctrl, image, receiver);
      ackEpoch(vm.ctrl, image.epoch);
      epochs.push({ image, counts });
    },
    pause: () => {},
    quiesce: () => {},
    copy: () => {},
  }, now, guest);
  return { epochs, result: guest.result(), backup, primary: vm };
}

interface ScriptedVcpu {
  readonly params: WorkloadParams;
  readonly regs: Float64Array;
  readonly ctx: Float64Array;
  readonly mem: GuestMemory;
}

/**
 * The scripted parker: vCPUs that initialise the guest and park, then, each time the
 * protocol asks, run their epoch quota one after another in this thread and park (or
 * finish) in the control block, as vCPU threads do.
 */
class ScriptedGuest implements ScriptedVcpus {
  private readonly cpus: ScriptedVcpu[];
  private readonly plain: UntrackedMemory;

  constructor(private readonly vm: VmViews, private readonly spec: SyncRunSpec, policy: FaultHandler) {
    this.plain = new UntrackedMemory(vm);
    this.cpus = Array.from({ length: spec.vcpus }, (_, v) => {
      const params = workloadParams(v, spec.vcpus, spec.pages, spec.seed, spec.options);
      const regs = vm.contexts[v].subarray(CTX_WORKLOAD);
      spec.workload.init(this.plain, regs, params);
      markParked(vm.ctrl, v);
      const port: FaultPort = { fault: (kind, pfn) => policy.serviceFault(kind, pfn, v) };
      return { params, regs, ctx: vm.contexts[v], mem: new TrackedMemory(vm, port, usesPmlRing(spec.mode) ? vm.pml[v] : null) };
    });
  }

  runEpochAndPark(): void {
    const { ctrl } = this.vm;
    const { workload, opsPerVcpu, epochOps } = this.spec;
    this.cpus.forEach((cpu, v) => {
      if (Atomics.load(ctrl, vcpuWord(v, VCPU_STATE)) === VcpuState.Finished) return;
      Atomics.store(ctrl, vcpuWord(v, VCPU_STATE), VcpuState.Running);
      const budget = Math.min(opsPerVcpu - cpu.ctx[CTX_OPS_DONE], epochOps);
      const ran = workload.step(cpu.mem, cpu.regs, budget, cpu.params);
      cpu.ctx[CTX_OPS_DONE] += ran;
      if (ran < budget || cpu.ctx[CTX_OPS_DONE] >= opsPerVcpu) finish(ctrl, v);
      else markParked(ctrl, v);
    });
  }

  result(): string {
    return combineResults(this.cpus.map((c) => this.spec.workload.result(this.plain, c.regs, c.params)));
  }
}

function allocatedRam(vm: { ram8: Uint8Array }): SharedArrayBuffer {
  return vm.ram8.buffer as SharedArrayBuffer;
}
