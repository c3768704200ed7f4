import { MessageChannel } from 'node:worker_threads';
import type { BackupImage } from '../replica/backup-image.js';
import { storeAcked } from '../epoch/ack-window.js';
import { resumeAll, waitAllParkedAsync } from '../epoch/pause.js';
import type { ResolvedConfig } from '../config/run-config.js';
import { UntrackedMemory } from '../vm/access.js';
import { CTRL_INITIAL_HOLD, CTRL_REQ, CTX_WORKLOAD, REQ_STOP } from '../vm/layout.js';
import { allocateVm } from '../vm/vm-buffers.js';
import { mergeHistograms, type Histogram } from '../metrics/histograms.js';
import type { ClosedInterval } from '../metrics/interval-histograms.js';
import type { EpochRecord, RunResults } from '../metrics/results.js';
import { stopTracker } from '../tracking/tracker-loop.js';
import { combineResults, workloadParams } from '../guest/workloads/params.js';
import { loadWorkload } from '../guest/workloads/registry.js';
import {
  wallMs, type CheckpointerWorkerData, type IntervalGrid, type ThreadMessage, type TrackerWorkerData, type VcpuWorkerData,
} from './protocol.js';
import { InprocLink, MAX_IN_FLIGHT, type BackupLink } from '../link/backup-link.js';
import { decideOnBackupLoss, type LossArbiter } from './backup-loss.js';
import { referenceResult } from './reference.js';
import { buildResults } from './results-builder.js';
import { ThreadSet } from './threads.js';

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

type VcpuDone = Extract<ThreadMessage, { type: 'vcpu-done' }>;
type CheckpointerDone = Extract<ThreadMessage, { type: 'checkpointer-done' }>;

/** Run one workload under one mode: spawn the threads, feed the backup, build the results. */
export async function runVm(cfg: ResolvedConfig, hooks: RunHooks = {}): Promise<RunOutput> {
  const startWallMs = wallMs();
  const intervals: IntervalGrid | null = hooks.intervals === undefined
    ? null
    : { runStartWallMs: startWallMs, intervalMs: hooks.intervals.intervalMs };
  const cpuProf = hooks.cpuProfDir ?? null;
  const workload = await loadWorkload(cfg.workload);
  const vm = allocateVm(cfg.pages, cfg.vcpus);
  const ctrl = new Int32Array(vm.ctrl);
  const tracked = cfg.mode !== 'native';
  const link = tracked ? hooks.link ?? new InprocLink(cfg.pages, cfg.vcpus, null, null) : null;
  const backup = link?.localImage ?? null;
  let halted: string | null = null;
  const stagingPorts = new MessageChannel();
  if (link !== null) {
    // Epochs after 0 are the checkpointer's staging buffers: back to its pool once the link is done with them.
    link.onPagesDone = (image) => {
      // A shared staging buffer (copier threads) is posted, not transferred.
      const buf = image.pages.buffer;
      if (image.epoch > 0 && image.pages.byteLength > 0) stagingPorts.port1.postMessage(buf, buf instanceof ArrayBuffer ? [buf] : []);
    };
    link.onAck = (epoch) => {
      storeAcked(ctrl, epoch + 1);
      hooks.onAck?.(epoch);
    };
    const arbiter = hooks.backupLoss ?? { policy: 'halt', claim: null, witnessPath: null };
    link.onLost = (reason, clean) => {
      const verdict = decideOnBackupLoss({ reason, clean, ackedEpoch: link.stats.ackedEpochs - 1 }, arbiter);
      if (verdict.action === 'halt') {
        // Clients go first: nothing held may reach them once the guest is told to stop.
        hooks.onHalt?.();
        halted = verdict.line;
        process.stderr.write(`hbft: ${verdict.line}\n`);
        Atomics.or(ctrl, CTRL_REQ, REQ_STOP);
        storeAcked(ctrl, Infinity); // unblocks the ack window so the threads can stop; onAck is not called
        return;
      }
      process.stderr.write(`hbft: ${verdict.line}\n`);
      storeAcked(ctrl, Infinity);
      hooks.onAck?.(Infinity);
    };
  }
  let consistent: boolean | null = tracked && cfg.verify ? true : null;
  const mismatches: string[] = [];
  const epochLog: EpochRecord[] = [];
  const vcpuDone: VcpuDone[] = [];
  let cpDone: CheckpointerDone | null = null;
  let stopTimer: NodeJS.Timeout | null = null;
  // vcpuDone is filled by vCPU index, in any order.
  const allVcpusDone = () => vcpuDone.filter(Boolean).length === cfg.vcpus;

  const threads = new ThreadSet((_role, m) => {
    switch (m.type) {
      case 'vcpu-started':
        if (stopTimer === null && cfg.durationMs !== null) {
          stopTimer = setTimeout(() => Atomics.or(ctrl, CTRL_REQ, REQ_STOP), cfg.durationMs);
        }
        break;
      case 'vcpu-done':
        vcpuDone[m.vcpu] = m;
        if (allVcpusDone()) {
          if (stopTimer !== null) clearTimeout(stopTimer);
          if (tracked && cpDone !== null) stopTracker(ctrl);
        }
        break;
      case 'epoch': {
        // Epoch 0 is a view of guest RAM, still while the vCPUs are held: a link that
        // keeps page views past send() gets its own copy.
        const image = m.image.epoch === 0 && link!.keepsPageViews ? { ...m.image, pages: m.image.pages.slice() } : m.image;
        const sent = link!.send(image);
        if (m.image.epoch === 0) releaseInitialHold(ctrl);
        if (backup !== null && m.image.verifySums !== undefined) {
          const bad = backup.mismatchedPages(m.image.verifySums);
          if (bad.length > 0) {
            consistent = false;
            mismatches.push(`epoch ${m.image.epoch}: ${bad.length} pages differ (first 0x${bad[0].toString(16)})`);
          }
        }
        if (m.image.epoch > 0) {
          const record = sent === null ? m.record : { ...m.record, ...sent };
          epochLog.push(record);
          hooks.onEpoch?.(record);
        }
        break;
      }
      case 'guest-output':
        // Native mode has no checkpoints: nothing to wait for.
        if (tracked) hooks.onOutput?.(m.epoch, m.conn, m.text);
        else hooks.onOutput?.(-1, m.conn, m.text);
        break;
      case 'checkpointer-done':
        cpDone = m;
        if (allVcpusDone()) stopTracker(ctrl);
        break;
      case 'hdr-intervals':
        hooks.intervals?.onIntervals(m.intervals);
        break;
    }
  }, () => {
    Atomics.or(ctrl, CTRL_REQ, REQ_STOP);
    stopTracker(ctrl);
    if (stopTimer !== null) clearTimeout(stopTimer);
    link?.abort();
  });

  for (let v = 0; v < cfg.vcpus; v++) {
    const data: VcpuWorkerData = {
      role: 'vcpu', vm, vcpu: v, mode: cfg.mode, workload: cfg.workload, seed: cfg.seed, options: cfg.options,
      opsLimit: cfg.opsPerVcpu ?? Infinity, epochOps: cfg.epochOps ?? Infinity, stepOps: cfg.stepOps,
      spin: cfg.spin, faultPath: cfg.faultPath, verify: cfg.verify, restored: false, intervals, cpuProf,
      ...(hooks.netDevice ? { netDevice: hooks.netDevice } : {}),
    };
    threads.spawn(`vcpu-${v}`, 'vcpu', data);
  }
  if (tracked) {
    const mode = cfg.mode as TrackerWorkerData['mode'];
    // Inline faults: each vCPU is its own fault handler, there is no tracker thread.
    if (cfg.faultPath === 'tracker') threads.spawn('tracker', 'tracker', { role: 'tracker', vm, mode, spin: cfg.spin, cpuProf } satisfies TrackerWorkerData);
    threads.spawn('checkpointer', 'checkpointer', {
      role: 'checkpointer', vm, mode, predictor: cfg.predictor, copy: cfg.copy, copyThreads: cfg.copyThreads, epochMs: cfg.epochMs,
      verify: cfg.verify, pauseTimeoutMs: cfg.pauseTimeoutMs, intervals, cpuProf,
      stagingReturn: stagingPorts.port2, maxInFlight: MAX_IN_FLIGHT, ackTimeoutMs: ACK_TIMEOUT_MS,
    } satisfies CheckpointerWorkerData, [stagingPorts.port2]);
  } else {
    void startNative(ctrl, cfg.vcpus);
  }
  await threads.whenAllExited().finally(() => stagingPorts.port1.close());
  await link?.finish();

  const perVcpu = vcpuDone.map((d) => d.result);
  const result = combineResults(perVcpu);
  const opsPerVcpu = vcpuDone.map((d) => d.ops);
  let verified: boolean | null = vcpuDone.some((d) => d.verified !== null) ? vcpuDone.every((d) => d.verified !== false) : null;
  if (cfg.verify) {
    const reference = referenceResult({ workload, pages: cfg.pages, vcpus: cfg.vcpus, seed: cfg.seed, options: cfg.options, opsPerVcpu });
    verified = (verified ?? true) && reference === result;
    if (backup !== null) {
      const fromBackup = backupResult(backup, workload, cfg);
      if (fromBackup !== result) {
        consistent = false;
        mismatches.push(`backup image gives result ${fromBackup}, primary ${result}`);
      }
    }
  }
  const hist = {
    pause: mergeHistograms(cpDone ? [(cpDone as CheckpointerDone).pauseHist] : []),
    quiesce: mergeHistograms(cpDone ? [(cpDone as CheckpointerDone).quiesceHist] : []),
    copy: mergeHistograms(cpDone ? [(cpDone as CheckpointerDone).copyHist] : []),
    faultService: mergeHistograms(vcpuDone.map((d) => d.faultServiceHist)),
  };
  const results = buildResults({
    cfg, result, verified, opsPerVcpu, epochLog, hist, mismatches,
    durationMs: Math.max(...vcpuDone.map((d) => d.finishedAt)) - Math.min(...vcpuDone.map((d) => d.startedAt)),
    backup: {
      committedEpochs: link === null ? 0 : link.stats.ackedEpochs, consistent,
      ...(link !== null && link.stats.bytesSent > 0 ? { link: link.kind, bytesSent: link.stats.bytesSent, plainBytes: link.stats.plainBytes } : {}),
    },
  });
  hist.quiesce.destroy();
  hist.copy.destroy();
  hist.faultService.destroy();
  return { results, pause: hist.pause, startWallMs, halted };
}

/** The backup has copied the initial image out of guest RAM: the vCPUs may start. */
export function releaseInitialHold(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_INITIAL_HOLD, 0);
  Atomics.notify(ctrl, CTRL_INITIAL_HOLD);
}

/** native mode has no checkpointer: main releases the vCPUs once they have initialised. */
async function startNative(ctrl: Int32Array, vcpus: number): Promise<void> {
  await waitAllParkedAsync(ctrl, vcpus);
  resumeAll(ctrl);
}

function backupResult(backup: BackupImage, workload: Awaited<ReturnType<typeof loadWorkload>>, cfg: ResolvedConfig): string {
  const buf = backup.ram.buffer;
  const mem = new UntrackedMemory({ ram8: backup.ram, ram32: backup.ram32, ramF64: new Float64Array(buf) });
  return combineResults(backup.contexts.map((ctx, v) =>
    workload.result(mem, ctx.subarray(CTX_WORKLOAD), workloadParams(v, cfg.vcpus, cfg.pages, cfg.seed, cfg.options))));
}

/** A backup that acks nothing for this long fails the run (the guest is paused meanwhile). */
const ACK_TIMEOUT_MS = 60_000;

