import { CTRL_FAULT_LOCK } from '../vm/layout.js';

/** Spins before a contended lock blocks: a fault handler holds it for well under a microsecond. */
const LOCK_SPIN = 200;

/**
 * The fault handler's lock in shared memory (a futex mutex: 0 free, 1 held, 2 held with
 * waiters), so that handlers run one at a time whichever thread runs them, as they do
 * on the single tracker thread.
 */
export function lockFaults(ctrl: Int32Array): void {
  if (Atomics.compareExchange(ctrl, CTRL_FAULT_LOCK, 0, 1) === 0) return;
  for (let i = 0; i < LOCK_SPIN; i++) {
    if (Atomics.load(ctrl, CTRL_FAULT_LOCK) === 0 && Atomics.compareExchange(ctrl, CTRL_FAULT_LOCK, 0, 1) === 0) return;
  }
  // Mark the lock contended before sleeping: the holder's unlock then sees 2 and notifies.
  // A thread that takes it this way keeps it marked 2, so a later waiter is not missed.
  while (Atomics.exchange(ctrl, CTRL_FAULT_LOCK, 2) !== 0) Atomics.wait(ctrl, CTRL_FAULT_LOCK, 2);
}

export function unlockFaults(ctrl: Int32Array): void {
  if (Atomics.exchange(ctrl, CTRL_FAULT_LOCK, 0) === 2) Atomics.notify(ctrl, CTRL_FAULT_LOCK, 1);
}
