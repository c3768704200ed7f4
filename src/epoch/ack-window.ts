import { waitAtLeast } from '../vm/ctrl-wait.js';
import { CTRL_ACKED } from '../vm/layout.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

export class AckTimeoutError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('ACK_TIMEOUT', message, options);
  }
}

/**
 * Before resuming after checkpoint `epoch`, wait until at most `maxInFlight` of epochs
 * 0..epoch are unacked. Main stores CTRL_ACKED (acked count) and notifies.
 */
export function waitAckWindow(ctrl: Int32Array, epoch: number, maxInFlight: number, timeoutMs: number, now: () => number): void {
  if (!Number.isFinite(maxInFlight)) return;
  const need = epoch + 1 - maxInFlight;
  const acked = waitAtLeast(ctrl, CTRL_ACKED, need, now() + timeoutMs, now);
  if (acked < need) throw new AckTimeoutError(`epoch ${epoch}: backup acked ${acked} epoch(s), the window of ${maxInFlight} needs ${need}; no ack within ${timeoutMs} ms`);
}

/** Main: record an ack (or, with `Infinity`, stop waiting for a lost backup). */
export function storeAcked(ctrl: Int32Array, ackedCount: number): void {
  Atomics.store(ctrl, CTRL_ACKED, Math.min(ackedCount, 0x7fff_ffff));
  Atomics.notify(ctrl, CTRL_ACKED);
}
