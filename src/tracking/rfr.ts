import { SPT_D, SPT_W } from '../vm/layout.js';
import { LogDirtyPolicy } from './logdirty.js';

/**
 * Read-fault reduction: at each epoch start only W and D are cleared, and only on the
 * pages dirtied last epoch; P stays, so re-reads never fault again. The cost of the
 * reset follows the dirty set, not RAM. Faults are serviced as in logdirty.
 */
export class RfrPolicy extends LogDirtyPolicy {
  override readonly mode: 'rfr' | 'wfp' = 'rfr';

  override start(): void {
    // After the full copy nothing is mapped yet: first touches fault, as under logdirty.
    this.vm.spt.fill(0);
  }

  override resetForEpoch(dirty: Uint32Array): void {
    revokeWrite(this.vm.spt, dirty);
  }
}

/** Clear W and D on the listed pages (every vCPU is parked: plain writes). */
export function revokeWrite(spt: Uint8Array, pfns: Uint32Array): void {
  const keep = ~(SPT_W | SPT_D);
  for (let i = 0; i < pfns.length; i++) spt[pfns[i]] &= keep;
}
