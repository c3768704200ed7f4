// The epoch protocol (docs/design.md, Epoch protocol), both halves, top to bottom: the
// checkpointer's loop (runEpochs: pause, collect, reset, copy, ack window, resume, hand
// over; the initial hold; the final epoch), then the main thread's half (handOver,
// ackEpoch). Threaded runs drive it from workers/checkpointer.ts; the single-threaded
// twin (src/run/sync-vm.ts) drives the same code with scripted vCPUs.
import {
  CTRL_EPOCH, CTRL_F64_DEADLINE, CTRL_GLOBAL_WORDS, CTRL_INITIAL_HOLD, PAGE_SIZE, VCPU_PARKED_LATE_US, VCPU_STATE, VcpuState, vcpuWord,
} from '../vm/layout.js';
import type { EpochRecord } from '../metrics/results.js';
import type { CheckpointCounts, Checkpointer } from './checkpointer.js';
import type { EpochImage } from './epoch-image.js';
import { storeAcked, waitAckWindow } from './ack-window.js';
import { letTrackerSleep, wakeTracker } from '../tracking/tracker-loop.js';
import { allFinished, requestPause, resumeAll, sleepUntilParked, waitAllParked } from './pause.js';

/** Spin this long for the vCPUs to park before blocking: a futex wake-up onto an idle core costs ~150 us here. */
const QUIESCE_SPIN_MS = 0.5;

export interface EpochTiming {
  /** Timer epochs in ms, or null: the vCPUs park on their --epoch-ops quota. */
  readonly epochMs: number | null;
  readonly pauseTimeoutMs: number;
  /** How long to wait for vCPUs to initialise the guest, or to fill a deterministic epoch. */
  readonly startTimeoutMs: number;
  /** Epochs captured but not yet acked before the guest must wait (Infinity: no bound). */
  readonly maxInFlight: number;
  /** How long to wait for the backup's ack when the window is full. */
  readonly ackTimeoutMs: number;
  /** now() + wallOffset is the wall clock the vCPUs read the epoch deadline in (performance.timeOrigin). */
  readonly wallOffset?: number;
  /** Run once the guest is initialised, before epoch 0 (the wait for copier threads, overlapping the guest's start). */
  readonly beforeEpochZero?: () => void;
}

export interface CheckpointSink {
  /** One epoch, after the vCPUs resumed (transmission overlaps the next epoch). */
  epoch(image: EpochImage, record: EpochRecord, counts: CheckpointCounts): void;
  pause(us: number): void;
  quiesce(us: number): void;
  copy(us: number): void;
}

/**
 * Who runs the guest during a deterministic epoch when there are no vCPU threads: a
 * scripted parker that runs each vCPU's quota synchronously, then marks it parked (or
 * finished) in the control block, as a vCPU thread does. Threaded runs pass null: their
 * vCPUs run from the resume and park by themselves.
 */
export interface ScriptedVcpus {
  runEpochAndPark(): void;
}

/**
 * The checkpointer's half: wait for the guest to be initialised, take epoch 0 under the
 * initial hold, then end, checkpoint and resume epoch after epoch until the final one
 * (every vCPU finished); returns its number.
 */
export function runEpochs(
  ctrl: Int32Array, vcpus: number, cp: Checkpointer, t: EpochTiming, sink: CheckpointSink, now: () => number,
  scripted: ScriptedVcpus | null = null,
): number {
  const deadline = new Float64Array(ctrl.buffer as SharedArrayBuffer, 0, CTRL_GLOBAL_WORDS >>> 1);
  const wallOffset = t.wallOffset ?? 0;
  // Timer epochs end at a deadline the vCPUs watch themselves (a preemption timer): set
  // while they are parked, so the resume handshake publishes it. Returns when the guest
  // resumed.
  const resume = (nextEpoch: number): number => {
    Atomics.store(ctrl, CTRL_EPOCH, nextEpoch);
    if (t.epochMs !== null) deadline[CTRL_F64_DEADLINE] = now() + wallOffset + t.epochMs;
    resumeAll(ctrl);
    const at = now();
    // The tracker only after the vCPUs: the thread this wakes can take this one's core
    // for a while (it took 4.6 ms once, with the guest still parked), and until it is up
    // the vCPUs take their faults themselves (they find it down). During a background
    // copy this thread has the second core: the tracker stays down until it is done.
    if (!cp.copyPending) wakeTracker(ctrl);
    return at;
  };

  // Start and epoch 0: every vCPU initialised the guest and parked.
  waitAllParked(ctrl, vcpus, t.startTimeoutMs, now);
  t.beforeEpochZero?.();
  const first = cp.initial();
  // The initial image is guest RAM itself: hold the vCPUs until the backup has it.
  Atomics.store(ctrl, CTRL_INITIAL_HOLD, 1);
  sink.epoch(first.image, record(0, 0, 0, 0, first.counts, first.image.pfns.length * PAGE_SIZE), first.counts);
  for (let h; (h = Atomics.load(ctrl, CTRL_INITIAL_HOLD)) !== 0; ) Atomics.wait(ctrl, CTRL_INITIAL_HOLD, h);
  const startedAt = now();
  resume(1);

  for (let epoch = 1; ; epoch++) {
    // 1-2. End of the epoch, and quiesce.
    let quiesceUs = 0;
    let t0: number;
    if (t.epochMs !== null) {
      t0 = endTimerEpoch(ctrl, vcpus, deadline[CTRL_F64_DEADLINE] - wallOffset, t.pauseTimeoutMs, now);
      quiesceUs = parkedLateUs(ctrl, vcpus);
    } else {
      // Deterministic epochs: each vCPU parks by itself when its quota is done.
      if (scripted !== null) scripted.runEpochAndPark();
      waitAllParked(ctrl, vcpus, t.startTimeoutMs, now);
      t0 = now();
    }
    // The guest is still: the tracker sleeps and leaves the cores to the pause.
    letTrackerSleep(ctrl);
    // 3-5. Collect, reset, copy (the final epoch: every vCPU has finished).
    const final = allFinished(ctrl, vcpus);
    let { image, counts } = cp.checkpoint(epoch, final);
    let end: number;
    if (!final) {
      // 6. Backpressure: with maxInFlight epochs unacked the guest stays paused until
      // the backup catches up, as Remus does when its send buffer is full.
      waitAckWindow(ctrl, epoch, t.maxInFlight, t.ackTimeoutMs, now);
      // 7. Resume.
      end = resume(epoch + 1);
    } else {
      end = now();
    }
    // 8. Hand over.
    const pauseUs = (end - t0) * 1000;
    if (cp.copyPending) {
      // The pages are copied while the guest runs; the epoch is whole only after.
      ({ image, counts } = cp.finishBackground({ image, counts }));
      wakeTracker(ctrl);
    }
    sink.pause(pauseUs);
    if (t.epochMs !== null) sink.quiesce(quiesceUs);
    sink.copy(counts.copyUs);
    sink.epoch(image, record(epoch, t0 - startedAt, pauseUs, quiesceUs, counts, image.pfns.length * PAGE_SIZE), counts);
    if (final) return epoch;
  }
}

/**
 * Steps 1-2 of a timer epoch: sleep until the vCPUs have parked at its deadline (`end`, in
 * now() time) or it has passed, then stop the guest; returns when the pause began.
 */
function endTimerEpoch(ctrl: Int32Array, vcpus: number, end: number, pauseTimeoutMs: number, now: () => number): number {
  sleepUntilParked(ctrl, vcpus, end - now(), now);
  // The guest stops at the deadline (each vCPU at its first step boundary past it);
  // the pause runs from there, so this thread's own wake-up is in the pause time.
  const t0 = Math.min(now(), end);
  // For a vCPU that did not see the deadline (blocked in a device wait, or no clock).
  if (!allFinished(ctrl, vcpus)) requestPause(ctrl);
  // The tracker leaves its core now: the vCPUs finishing their steps and this thread,
  // spinning for their park, have the two; a fault meanwhile is taken back by its vCPU.
  letTrackerSleep(ctrl);
  waitAllParked(ctrl, vcpus, pauseTimeoutMs, now, QUIESCE_SPIN_MS);
  return t0;
}

/**
 * Quiesce: from the epoch deadline until the last running vCPU parked, as each vCPU
 * recorded it (finished vCPUs do not count), in µs.
 */
export function parkedLateUs(ctrl: Int32Array, vcpus: number): number {
  let late = 0;
  for (let v = 0; v < vcpus; v++) {
    if (Atomics.load(ctrl, vcpuWord(v, VCPU_STATE)) === VcpuState.Finished) continue;
    late = Math.max(late, ctrl[vcpuWord(v, VCPU_PARKED_LATE_US)]);
  }
  return late;
}

function record(
  epoch: number, atMs: number, pauseUs: number, quiesceUs: number,
  c: CheckpointCounts, bytes: number,
): EpochRecord {
  return {
    epoch, atMs: Math.round(atMs * 100) / 100, pauseUs: Math.round(pauseUs), quiesceUs: Math.round(quiesceUs),
    copyUs: Math.round(c.copyUs), trackUs: Math.round(c.trackUs), dirtyPages: c.dirtyPages, faultsRead: c.faultsRead, faultsWrite: c.faultsWrite,
    ...(c.faultsPmlFull > 0 ? { faultsPmlFull: c.faultsPmlFull } : {}),
    ...(c.backgroundCopyUs > 0 || c.faultsCow > 0 ? { backgroundCopyUs: Math.round(c.backgroundCopyUs), faultsCow: c.faultsCow } : {}),
    ...(c.predictor !== null ? { predHits: c.predictor.hits, predWasted: c.predictor.wasted, predMisses: c.predictor.misses } : {}),
    bytes, ops: c.opsDone,
  };
}

// The main thread's half: each handed-over epoch goes to the backup; acks come back.

/** Where main sends each epoch: a backup link, or (single-threaded) a backup image. */
export interface EpochReceiver<Sent> {
  /** send() keeps views of the pages after it returns (a socket writes them later). */
  readonly keepsPageViews: boolean;
  send(image: EpochImage): Sent;
}

/**
 * Step 9 (and step 4 of the start): give the epoch to the backup. Epoch 0 is a view of
 * guest RAM, still only while the vCPUs are held, so a receiver that keeps page views
 * gets its own copy, and the hold is released once the receiver has the epoch.
 */
export function handOver<Sent>(ctrl: Int32Array, image: EpochImage, receiver: EpochReceiver<Sent>): Sent {
  if (image.epoch !== 0) return receiver.send(image);
  const sent = receiver.send(receiver.keepsPageViews && !image.mirrored ? { ...image, pages: image.pages.slice() } : image);
  releaseInitialHold(ctrl);
  return sent;
}

/** The backup has copied the initial image out of guest RAM: the vCPUs may start. */
export function releaseInitialHold(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_INITIAL_HOLD, 0);
  Atomics.notify(ctrl, CTRL_INITIAL_HOLD);
}

/** The backup committed `epoch`: the ack window moves (Infinity: the backup is gone, stop waiting for it). */
export function ackEpoch(ctrl: Int32Array, epoch: number): void {
  storeAcked(ctrl, epoch + 1);
}
