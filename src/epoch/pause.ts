import {
  CTRL_FINISHED, CTRL_PARKED, CTRL_REQ, CTRL_RESUME_SEQ, REQ_PAUSE, VCPU_STATE, VcpuState, vcpuWord,
} from '../vm/layout.js';
import { waitAtLeast, waitAtLeastAsync } from '../vm/ctrl-wait.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

export class PauseTimeoutError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('PAUSE_TIMEOUT', message, options);
  }
}

/** Ask every running vCPU to park at its next step boundary. */
export function requestPause(ctrl: Int32Array): void {
  Atomics.or(ctrl, CTRL_REQ, REQ_PAUSE);
}

/**
 * Wait until every vCPU is parked or finished (vCPUs bump CTRL_PARKED and notify),
 * spinning for the first `spinMs` (a pause that follows a request is over in tens of
 * microseconds; a futex wake-up alone costs about 50).
 */
export function waitAllParked(ctrl: Int32Array, vcpus: number, timeoutMs: number, now: () => number, spinMs = 0): void {
  if (spinMs > 0 && spinUntilParked(ctrl, vcpus, now() + spinMs, now)) return;
  if (waitAtLeast(ctrl, CTRL_PARKED, vcpus, now() + timeoutMs, now) >= vcpus) return;
  const late = [];
  for (let v = 0; v < vcpus; v++) {
    const s = Atomics.load(ctrl, vcpuWord(v, VCPU_STATE));
    if (s !== VcpuState.Paused && s !== VcpuState.Finished) late.push(`vCPU ${v}`);
  }
  throw new PauseTimeoutError(`pause: ${late.join(', ') || 'a vCPU'} did not park within ${timeoutMs} ms`);
}

function spinUntilParked(ctrl: Int32Array, vcpus: number, deadline: number, now: () => number): boolean {
  for (;;) {
    for (let i = 0; i < 64; i++) if (Atomics.load(ctrl, CTRL_PARKED) >= vcpus) return true;
    if (now() >= deadline) return false;
  }
}

/** Main thread: wait, without blocking, until every vCPU has parked (after init). */
export function waitAllParkedAsync(ctrl: Int32Array, vcpus: number): Promise<void> {
  return waitAtLeastAsync(ctrl, CTRL_PARKED, vcpus);
}

export function allFinished(ctrl: Int32Array, vcpus: number): boolean {
  return Atomics.load(ctrl, CTRL_FINISHED) >= vcpus;
}

/**
 * Release parked vCPUs. PARKED is reset (finished vCPUs stay counted) and the pause
 * request cleared before the sequence bump, since a vCPU can leave its wait only after
 * the bump.
 */
export function resumeAll(ctrl: Int32Array): void {
  Atomics.and(ctrl, CTRL_REQ, ~REQ_PAUSE);
  Atomics.store(ctrl, CTRL_PARKED, Atomics.load(ctrl, CTRL_FINISHED));
  Atomics.add(ctrl, CTRL_RESUME_SEQ, 1);
  Atomics.notify(ctrl, CTRL_RESUME_SEQ);
}

/**
 * Sleep until `ms` have passed or every vCPU is parked (finished ones count), whichever is
 * first. Waits on CTRL_PARKED, which each vCPU bumps and notifies as it parks or finishes:
 * at a timer epoch's end the vCPUs park at the deadline by themselves, and the last one's
 * notify wakes this thread (a futex wake-up onto an idle core, about 150 µs here) rather
 * than its own timeout (about 190 µs late here).
 */
export function sleepUntilParked(ctrl: Int32Array, vcpus: number, ms: number, now: () => number): void {
  waitAtLeast(ctrl, CTRL_PARKED, vcpus, now() + ms, now);
}
