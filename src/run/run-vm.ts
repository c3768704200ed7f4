import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { releaseSharedMemory } from '../base/shared-memory.js';
import type { BackupImage } from '../replica/backup-image.js';
import { storeAcked } from '../epoch/ack-window.js';
import type { EpochImage } from '../epoch/epoch-image.js';
import { ackEpoch, handOver } from '../epoch/epoch-protocol.js';
import type { ResolvedConfig } from '../config/run-config.js';
import { UntrackedMemory } from '../vm/access.js';
import { CTRL_REQ, CTX_WORKLOAD, REQ_STOP } from '../vm/layout.js';
import { allocateVm, type VmBuffers } from '../vm/vm-buffers.js';
import { mergeHistograms, type Histogram } from '../metrics/histograms.js';
import type { ClosedInterval } from '../metrics/interval-histograms.js';
import type { EpochRecord, RunResults } from '../metrics/results.js';
import type { TrackedMode } from '../tracking/policy.js';
import type { Workload } from '../guest/workloads/define.js';
import { combineResults, workloadParams } from '../guest/workloads/params.js';
import { loadWorkload } from '../guest/workloads/registry.js';
import { wallMs, type IntervalGrid, type VcpuWorkerData } from './protocol.js';
import { allocateCopyBoard } from '../epoch/parallel-copy.js';
import { allocateBackgroundState, type BackgroundCopyBuffers } from '../epoch/background-copy.js';
import { InprocLink, MAX_IN_FLIGHT, type BackupLink } from '../link/backup-link.js';
import { decideOnBackupLoss, type LossArbiter } from './backup-loss.js';
import { referenceResult } from './reference.js';
import { buildResults, type ResultsInput } from './results-builder.js';
import { Vm, type CheckpointerDone, type Checkpointing, type VcpuDone, type VcpuPlan } from './vm-launcher.js';

export interface RunHooks {
  onEpoch?(record: EpochRecord): void;
  /**
   * `--hdr-log`: threads cut their histograms into `intervalMs` intervals and every
   * closed interval comes here (times in ms since `RunOutput.startWallMs`).
   */
  intervals?: { readonly intervalMs: number; onIntervals(intervals: readonly ClosedInterval[]): void };
  /** `--cpu-prof`: every thread writes `<role>.cpuprofile` into this directory. */
  cpuProfDir?: string;
  /** Where checkpoints go (default: an in-process image); see backup-link.ts. */
  link?: BackupLink;
  /** Each acked epoch (Infinity once the backup is lost and this primary may go on): releases held output. */
  onAck?(epoch: number): void;
  /** Who decides what a lost backup means (default: halt, no witness). */
  backupLoss?: LossArbiter;
  /** The primary halts or is fenced: stop serving clients before anything else happens. */
  onHalt?(): void;
  /** Server workloads: the device's input ring, and the guest's replies. */
  netDevice?: SharedArrayBuffer;
  onOutput?(epoch: number, conn: number, text: string): void;
}

export interface RunOutput {
  readonly results: RunResults;
  /** Merged histograms, for .hgrm files and reports; the caller destroys them. */
  readonly pause: Histogram;
  /** wallMs() when the run began: interval 0 of an HdrHistogram log starts here. */
  readonly startWallMs: number;
  /** Why the run halted on losing its backup (exit code 1), or null. */
  readonly halted: string | null;
}

/** Run one workload under one mode: launch the guest, feed the backup, build the results. */
export async function runVm(cfg: ResolvedConfig, hooks: RunHooks = {}): Promise<RunOutput> {
  // Earlier runs' guest RAM and mirrors go before this run allocates its own.
  releaseSharedMemory();
  const startWallMs = wallMs();
  const outputs = threadOutputs(startWallMs, hooks);
  const workload = await loadWorkload(cfg.workload);
  const buffers = allocateVm(cfg.pages, cfg.vcpus);
  const ctrl = new Int32Array(buffers.ctrl);
  const link = cfg.mode === 'native' ? null : hooks.link ?? new InprocLink(cfg.pages, cfg.vcpus, null, null);
  const stagingPorts = new MessageChannel();
  const loss = link === null ? null : connectLink(link, ctrl, stagingPorts.port1, hooks);
  const feed = link === null ? null : new BackupFeed(ctrl, link, cfg.verify, hooks.onEpoch);

  const pauseCopy = pauseCopyPlan(cfg, link);
  const background = backgroundPlan(cfg, link);
  const vm = Vm.launch({
    buffers, vcpu: { ...vcpuPlan(cfg, outputs, hooks.netDevice), ...(pauseCopy ? { pauseCopy } : {}), ...(background ? { background } : {}) },
    durationMs: cfg.durationMs,
    checkpointing: link === null ? null : checkpointing(cfg, buffers, outputs, stagingPorts.port2, link.mirror, pauseCopy?.board ?? null, background),
  }, {
    onMessage: (m) => {
      if (m.type === 'epoch') feed!.take(m.image, m.record);
      // Native mode has no checkpoints: nothing to wait for.
      else if (m.type === 'guest-output') hooks.onOutput?.(feed === null ? -1 : m.epoch, m.conn, m.text);
      else if (m.type === 'hdr-intervals') hooks.intervals?.onIntervals(m.intervals);
    },
    onFail: () => link?.abort(),
  });
  await vm.whenAllExited().finally(() => stagingPorts.port1.close());
  await link?.finish();

  const done = vm.vcpuDone;
  const result = combineResults(done.map((d) => d.result));
  const opsPerVcpu = done.map((d) => d.ops);
  const verified = verifyResult(cfg, workload, done, result, opsPerVcpu, feed);
  const hist = runHistograms(vm.checkpointerDone, done);
  const results = buildResults({
    cfg, result, verified, opsPerVcpu, epochLog: feed?.epochLog ?? [], hist, mismatches: feed?.mismatches ?? [],
    durationMs: Math.max(...done.map((d) => d.finishedAt)) - Math.min(...done.map((d) => d.startedAt)),
    backup: {
      committedEpochs: link === null ? 0 : link.stats.ackedEpochs, consistent: feed?.consistent ?? null,
      ...(link !== null && link.stats.bytesSent > 0 ? { link: link.kind, bytesSent: link.stats.bytesSent, plainBytes: link.stats.plainBytes } : {}),
    },
  });
  // The caller keeps the pause histogram (and destroys it).
  hist.quiesce.destroy();
  hist.copy.destroy();
  hist.faultService.destroy();
  return { results, pause: hist.pause, startWallMs, halted: loss?.halted ?? null };
}

/** What every thread's workerData carries for the run's optional outputs. */
interface ThreadOutputs {
  readonly intervals: IntervalGrid | null;
  readonly cpuProf: string | null;
}

function threadOutputs(startWallMs: number, hooks: RunHooks): ThreadOutputs {
  return {
    intervals: hooks.intervals === undefined ? null : { runStartWallMs: startWallMs, intervalMs: hooks.intervals.intervalMs },
    cpuProf: hooks.cpuProfDir ?? null,
  };
}

function vcpuPlan(cfg: ResolvedConfig, out: ThreadOutputs, netDevice: SharedArrayBuffer | undefined): VcpuPlan {
  return {
    mode: cfg.mode, workload: cfg.workload, seed: cfg.seed, options: cfg.options,
    opsLimit: cfg.opsPerVcpu ?? Infinity, epochOps: cfg.epochOps ?? Infinity, stepOps: cfg.stepOps,
    spin: cfg.spin, faultPath: cfg.faultPath, exitCostUs: cfg.exitCostUs, verify: cfg.verify, restored: false, ...out,
    ...(netDevice ? { netDevice } : {}),
  };
}

/**
 * With copier threads and the in-process mirror, the last vCPU to park copies in the
 * pause too (helpWhileParked): main makes the copy board, so the vCPUs have it.
 */
function pauseCopyPlan(cfg: ResolvedConfig, link: BackupLink | null): VcpuWorkerData['pauseCopy'] | null {
  if (link === null || link.mirror === null || cfg.copyThreads === 0) return null;
  return { board: allocateCopyBoard(cfg.pages), mirror: link.mirror, copy: cfg.copy };
}

/**
 * `--copy-at background`: the per-page copy state every fault-servicing thread and the
 * checkpointer share, and the mirror they copy into.
 */
function backgroundPlan(cfg: ResolvedConfig, link: BackupLink | null): BackgroundCopyBuffers | null {
  if (cfg.copyAt !== 'background' || link === null) return null;
  if (link.mirror === null) throw new RangeError('--copy-at background needs the in-process mirror');
  return { state: allocateBackgroundState(cfg.pages), mirror: link.mirror };
}

function checkpointing(
  cfg: ResolvedConfig, vm: VmBuffers, out: ThreadOutputs, stagingReturn: MessagePort, mirror: SharedArrayBuffer | null,
  copyBoard: SharedArrayBuffer | null, background: BackgroundCopyBuffers | null,
): Checkpointing {
  const mode = cfg.mode as TrackedMode;
  const bg = background === null ? {} : { background };
  return {
    // Inline faults: each vCPU is its own fault handler, there is no tracker thread.
    tracker: cfg.faultPath === 'tracker' ? { role: 'tracker', vm, mode, spin: cfg.spin, cpuProf: out.cpuProf, ...bg } : null,
    checkpointer: {
      role: 'checkpointer', vm, mode, predictor: cfg.predictor, copy: cfg.copy, copyThreads: cfg.copyThreads, epochMs: cfg.epochMs,
      verify: cfg.verify, pauseTimeoutMs: cfg.pauseTimeoutMs, ...out,
      stagingReturn, mirror, copyBoard, maxInFlight: MAX_IN_FLIGHT, ackTimeoutMs: ACK_TIMEOUT_MS, ...bg,
    },
    transfer: [stagingReturn],
  };
}

/**
 * Wire the link to the protocol's main-thread half: staging buffers go back to the
 * checkpointer's pool, acks move the ack window and release held output, and a lost
 * backup is judged by the loss policy (halt, or go on unprotected).
 */
function connectLink(link: BackupLink, ctrl: Int32Array, stagingReturn: MessagePort, hooks: RunHooks): { readonly halted: string | null } {
  const state = { halted: null as string | null };
  // Epochs after 0 are the checkpointer's staging buffers: back to its pool once the link is done with them.
  link.onPagesDone = (image) => {
    // A shared staging buffer (copier threads) is posted, not transferred.
    const buf = image.pages.buffer;
    if (image.epoch > 0 && image.pages.byteLength > 0) stagingReturn.postMessage(buf, buf instanceof ArrayBuffer ? [buf] : []);
  };
  link.onAck = (epoch) => {
    ackEpoch(ctrl, epoch);
    hooks.onAck?.(epoch);
  };
  const arbiter = hooks.backupLoss ?? { policy: 'halt', claim: null, witnessPath: null };
  link.onLost = (reason, clean) => {
    const verdict = decideOnBackupLoss({ reason, clean, ackedEpoch: link.stats.ackedEpochs - 1 }, arbiter);
    if (verdict.action === 'halt') {
      // Clients go first: nothing held may reach them once the guest is told to stop.
      hooks.onHalt?.();
      state.halted = verdict.line;
      process.stderr.write(`hbft: ${verdict.line}\n`);
      Atomics.or(ctrl, CTRL_REQ, REQ_STOP);
      storeAcked(ctrl, Infinity); // unblocks the ack window so the threads can stop; onAck is not called
      return;
    }
    process.stderr.write(`hbft: ${verdict.line}\n`);
    storeAcked(ctrl, Infinity);
    hooks.onAck?.(Infinity);
  };
  return state;
}

/**
 * Main's intake of handed-over epochs: each goes to the link (handOver), is checked
 * against the in-process backup with --verify, and (after epoch 0) is logged.
 */
class BackupFeed {
  readonly epochLog: EpochRecord[] = [];
  readonly mismatches: string[] = [];
  /** --verify with a checkpointed run: false once the backup differs from the primary. */
  consistent: boolean | null;
  private readonly local: BackupImage | null;

  constructor(private readonly ctrl: Int32Array, private readonly link: BackupLink, verify: boolean, private readonly onEpoch?: (record: EpochRecord) => void) {
    this.consistent = verify ? true : null;
    this.local = link.localImage;
  }

  take(image: EpochImage, record: EpochRecord): void {
    const sent = handOver(this.ctrl, image, this.link);
    if (this.local !== null && image.verifySums !== undefined) {
      const bad = this.local.mismatchedPages(image.verifySums, image.mirrorSums);
      if (bad.length > 0) this.mismatch(`epoch ${image.epoch}: ${bad.length} pages differ (first 0x${bad[0].toString(16)})`);
    }
    if (image.epoch > 0) {
      const logged = sent === null ? record : { ...record, ...sent };
      this.epochLog.push(logged);
      this.onEpoch?.(logged);
    }
  }

  /** --verify, after the run: the workload's result recomputed from the in-process backup's image. */
  checkFinalImage(workload: Workload, cfg: ResolvedConfig, primary: string): void {
    if (this.local === null) return;
    const fromBackup = backupResult(this.local, workload, cfg);
    if (fromBackup !== primary) this.mismatch(`backup image gives result ${fromBackup}, primary ${primary}`);
  }

  private mismatch(line: string): void {
    this.consistent = false;
    this.mismatches.push(line);
  }
}

/**
 * The workload's own checks (null if it has none), and with --verify the result against
 * the unchecked reference run and the backup's image against the primary's result.
 */
function verifyResult(
  cfg: ResolvedConfig, workload: Workload, done: readonly VcpuDone[], result: string, opsPerVcpu: number[], feed: BackupFeed | null,
): boolean | null {
  const own = done.some((d) => d.verified !== null) ? done.every((d) => d.verified !== false) : null;
  if (!cfg.verify) return own;
  const reference = referenceResult({ workload, pages: cfg.pages, vcpus: cfg.vcpus, seed: cfg.seed, options: cfg.options, opsPerVcpu });
  feed?.checkFinalImage(workload, cfg, result);
  return (own ?? true) && reference === result;
}

/** The threads' histograms merged; the caller destroys them. */
function runHistograms(cp: CheckpointerDone | null, done: readonly VcpuDone[]): ResultsInput['hist'] {
  return {
    pause: mergeHistograms(cp ? [cp.pauseHist] : []),
    quiesce: mergeHistograms(cp ? [cp.quiesceHist] : []),
    copy: mergeHistograms(cp ? [cp.copyHist] : []),
    faultService: mergeHistograms(done.map((d) => d.faultServiceHist)),
  };
}

function backupResult(backup: BackupImage, workload: Workload, cfg: ResolvedConfig): string {
  const buf = backup.ram.buffer;
  const mem = new UntrackedMemory({ ram8: backup.ram, ram32: backup.ram32, ramF64: new Float64Array(buf) });
  return combineResults(backup.contexts.map((ctx, v) =>
    workload.result(mem, ctx.subarray(CTX_WORKLOAD), workloadParams(v, cfg.vcpus, cfg.pages, cfg.seed, cfg.options))));
}

/** A backup that acks nothing for this long fails the run (the guest is paused meanwhile). */
const ACK_TIMEOUT_MS = 60_000;

