import {
  CTRL_EPOCH, CTRL_F64_DEADLINE, CTRL_GLOBAL_WORDS, CTRL_INITIAL_HOLD, VCPU_PARKED_LATE_US, VCPU_STATE, VcpuState, vcpuWord,
} from '../vm/layout.js';
import type { EpochRecord } from '../metrics/results.js';
import type { CheckpointCounts, Checkpointer } from './checkpointer.js';
import type { EpochImage } from './epoch-image.js';
import { waitAckWindow } from './ack-window.js';
import { letTrackerSleep, wakeTracker } from '../tracking/tracker-loop.js';
import { allFinished, requestPause, resumeAll, sleepUnlessFinished, waitAllParked } from './pause.js';

/** Spin this long for the vCPUs to park before blocking: a futex wake-up costs ~50 us here. */
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
}

export interface CheckpointSink {
  /** One epoch, after the vCPUs resumed (transmission overlaps the next epoch). */
  epoch(image: EpochImage, record: EpochRecord): void;
  pause(us: number): void;
  quiesce(us: number): void;
  copy(us: number): void;
}

/**
 * The checkpointer thread's loop (docs/design.md, Epoch protocol): wait for the epoch to end, pause, run the
 * Checkpointer, resume, then hand the epoch over. The first epoch is the full copy taken
 * once every vCPU has initialised and parked.
 */
export function runEpochs(
  ctrl: Int32Array, vcpus: number, cp: Checkpointer, t: EpochTiming, sink: CheckpointSink, now: () => number,
): number {
  waitAllParked(ctrl, vcpus, t.startTimeoutMs, now);
  const first = cp.initial();
  let epoch = 0;
  // The initial image is guest RAM itself: hold the vCPUs until the backup has it.
  Atomics.store(ctrl, CTRL_INITIAL_HOLD, 1);
  sink.epoch(first.image, record(epoch, 0, 0, 0, first.counts, first.image.pages.length));
  for (let h; (h = Atomics.load(ctrl, CTRL_INITIAL_HOLD)) !== 0; ) Atomics.wait(ctrl, CTRL_INITIAL_HOLD, h);
  Atomics.store(ctrl, CTRL_EPOCH, epoch + 1);
  const startedAt = now();
  const deadline = new Float64Array(ctrl.buffer as SharedArrayBuffer, 0, CTRL_GLOBAL_WORDS >>> 1);
  const wallOffset = t.wallOffset ?? 0;
  // Timer epochs end at a deadline the vCPUs watch themselves (a preemption timer): set
  // while they are parked, so the resume handshake publishes it.
  const setDeadline = () => { if (t.epochMs !== null) deadline[CTRL_F64_DEADLINE] = now() + wallOffset + t.epochMs; };
  setDeadline();
  wakeTracker(ctrl);
  resumeAll(ctrl);
  for (;;) {
    epoch++;
    let quiesceUs = 0;
    let t0: number;
    if (t.epochMs !== null) {
      const end = deadline[CTRL_F64_DEADLINE] - wallOffset;
      sleepUnlessFinished(ctrl, vcpus, end - now(), now);
      // The guest stops at the deadline (each vCPU at its first step boundary past it);
      // the pause runs from there, so this thread's own wake-up is in the pause time.
      t0 = Math.min(now(), end);
      // For a vCPU that did not see the deadline (blocked in a device wait, or no clock).
      if (!allFinished(ctrl, vcpus)) requestPause(ctrl);
      // The tracker leaves its core now: the vCPUs finishing their steps and this thread,
      // spinning for their park, have the two; a fault meanwhile is taken back by its vCPU.
      letTrackerSleep(ctrl);
      waitAllParked(ctrl, vcpus, t.pauseTimeoutMs, now, QUIESCE_SPIN_MS);
      quiesceUs = parkedLateUs(ctrl, vcpus);
    } else {
      waitAllParked(ctrl, vcpus, t.startTimeoutMs, now);
      t0 = now();
    }
    // The guest is still: the tracker sleeps and leaves the cores to the pause.
    letTrackerSleep(ctrl);
    const final = allFinished(ctrl, vcpus);
    const { image, counts } = cp.checkpoint(epoch, final);
    if (!final) {
      // Backpressure: with maxInFlight epochs unacked the guest stays paused until the
      // backup catches up, as Remus does when its send buffer is full.
      waitAckWindow(ctrl, epoch, t.maxInFlight, t.ackTimeoutMs, now);
      Atomics.store(ctrl, CTRL_EPOCH, epoch + 1);
      setDeadline();
      wakeTracker(ctrl);
      resumeAll(ctrl);
    }
    const pauseUs = (now() - t0) * 1000;
    sink.pause(pauseUs);
    if (t.epochMs !== null) sink.quiesce(quiesceUs);
    sink.copy(counts.copyUs);
    sink.epoch(image, record(epoch, t0 - startedAt, pauseUs, quiesceUs, counts, image.pages.length));
    if (final) return epoch;
  }
}

/** The backup has copied the initial image out of guest RAM: the vCPUs may start. */
export function releaseInitialHold(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_INITIAL_HOLD, 0);
  Atomics.notify(ctrl, CTRL_INITIAL_HOLD);
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
    copyUs: Math.round(c.copyUs), dirtyPages: c.dirtyPages, faultsRead: c.faultsRead, faultsWrite: c.faultsWrite,
    ...(c.faultsPmlFull > 0 ? { faultsPmlFull: c.faultsPmlFull } : {}),
    ...(c.predictor !== null ? { predHits: c.predictor.hits, predWasted: c.predictor.wasted, predMisses: c.predictor.misses } : {}),
    bytes,
  };
}
