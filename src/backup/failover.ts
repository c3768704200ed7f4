// Failover (docs/design.md, Failover): copy the last committed image into fresh shared buffers and run
// the guest to completion from it, with vCPU workers that skip init (`restored`).
// The resumed guest runs natively: nothing protects it any more.
import { CTX_OPS_DONE } from '../vm/layout.js';
import { allocateVm, attachVm } from '../vm/vm-buffers.js';
import { Vm } from '../run/vm-launcher.js';
import { combineResults } from '../guest/workloads/params.js';
import type { BackupImage } from '../replica/backup-image.js';
import type { GuestRunConfig } from '../replica/device-state.js';

export interface ResumedFrom {
  readonly epoch: number;
  readonly final: boolean;
  /** Guest operations each vCPU had done in the committed image. */
  readonly opsDone: number[];
}

export interface FailoverOutcome {
  readonly resumedFrom: ResumedFrom;
  readonly result: string;
  readonly opsPerVcpu: number[];
  /** Wall-clock ms when the restored vCPUs were released. */
  readonly runningAt: number;
  readonly finishedAt: number;
}

export function resumedFrom(image: BackupImage, final: boolean): ResumedFrom {
  return { epoch: image.committedEpoch, final, opsDone: image.contexts.map((c) => c[CTX_OPS_DONE]!) };
}

export interface GuestNet {
  readonly netDevice: SharedArrayBuffer;
  onOutput(conn: number, text: string): void;
}

export async function resumeGuest(image: BackupImage, run: GuestRunConfig, final: boolean, net: GuestNet | null = null): Promise<FailoverOutcome> {
  const buffers = allocateVm(image.pages, image.vcpus);
  const vm = attachVm(buffers);
  vm.ram8.set(image.ram);
  image.contexts.forEach((c, v) => vm.contexts[v]!.set(c));
  const from = resumedFrom(image, final);
  // Restored vCPUs park once before running (runVcpu); the launcher releases them together.
  const guest = Vm.launch({
    buffers, checkpointing: null,
    // A --duration run has no completion point; the resumed guest runs for the duration again.
    durationMs: run.opsPerVcpu === null ? run.durationMs : null,
    vcpu: {
      mode: 'native', workload: run.workload, seed: run.seed, options: run.options,
      opsLimit: run.opsPerVcpu ?? Infinity, epochOps: Infinity, stepOps: run.stepOps, spin: 0, restored: true,
      verify: false, intervals: null, cpuProf: null,
      ...(net !== null ? { netDevice: net.netDevice } : {}),
    },
  }, {
    onMessage: (m) => {
      if (m.type === 'guest-output') net?.onOutput(m.conn, m.text); // unprotected: no output commit
    },
  });
  await guest.whenAllExited();
  const done = guest.vcpuDone;
  return {
    resumedFrom: from,
    result: combineResults(done.map((d) => d.result)),
    opsPerVcpu: done.map((d) => d.ops),
    runningAt: guest.runningAt!,
    finishedAt: Date.now(),
  };
}
