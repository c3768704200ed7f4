import { CTRL_ACKED } from '../memory/layout.js';

export class AckTimeoutError extends Error {
  readonly code = 'ACK_TIMEOUT';
}

/**
 * Before resuming after checkpoint `epoch`, wait until at most `maxInFlight` of epochs
 * 0..epoch are unacked. Main stores CTRL_ACKED (acked count) and notifies; we reload
 * after every wake-up, so an ack between our load and our wait is not missed.
 */
export function waitAckWindow(ctrl: Int32Array, epoch: number, maxInFlight: number, timeoutMs: number, now: () => number): void {
  if (!Number.isFinite(maxInFlight)) return;
  const need = epoch + 1 - maxInFlight;
  const deadline = now() + timeoutMs;
  for (;;) {
    const acked = Atomics.load(ctrl, CTRL_ACKED);
    if (acked >= need) return;
    const left = deadline - now();
    if (left <= 0) throw new AckTimeoutError(`epoch ${epoch}: backup acked ${acked} epoch(s), the window of ${maxInFlight} needs ${need}; no ack within ${timeoutMs} ms`);
    Atomics.wait(ctrl, CTRL_ACKED, acked, left);
  }
}

/** Main: record an ack (or, with `Infinity`, stop waiting for a lost backup). */
export function storeAcked(ctrl: Int32Array, ackedCount: number): void {
  Atomics.store(ctrl, CTRL_ACKED, Math.min(ackedCount, 0x7fff_ffff));
  Atomics.notify(ctrl, CTRL_ACKED);
}
