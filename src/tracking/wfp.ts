import type { VmViews } from '../vm/vm-buffers.js';
import { SPT_D, SPT_PW } from '../vm/layout.js';
import { harvestDirty } from './dirty-bitmap.js';
import type { PredictorCounts } from './policy.js';
import { createPredictor, type Predictor } from './predictors.js';
import { RfrPolicy, revokeWrite } from './rfr.js';

const EMPTY = new Uint32Array(0);

/**
 * Write-fault prediction: rfr, then the pages predicted to be written next epoch are
 * pre-granted P|W with D clear, so their writes take no fault. At the checkpoint a
 * predicted page is dirty iff its D bit is set (the vCPU sets it, like hardware).
 */
export class WfpPolicy extends RfrPolicy {
  override readonly mode = 'wfp' as const;
  private readonly predictor: Predictor;
  private predicted: Uint32Array = EMPTY;
  private counts: PredictorCounts = { predicted: 0, hits: 0, wasted: 0, misses: 0 };

  constructor(vm: VmViews, predictor: string) {
    super(vm);
    this.predictor = createPredictor(predictor, vm.pages);
  }

  override start(): void {
    super.start();
    this.predicted = EMPTY;
  }

  override collectDirty(): Uint32Array {
    const faulted = harvestDirty(this.vm.bitmap, this.vm.pages);
    const spt = this.vm.spt;
    const hit: number[] = [];
    for (let i = 0; i < this.predicted.length; i++) if ((spt[this.predicted[i]] & SPT_D) !== 0) hit.push(this.predicted[i]);
    this.counts = {
      predicted: this.predicted.length,
      hits: hit.length,
      wasted: this.predicted.length - hit.length,
      misses: faulted.length,
    };
    return mergeAscending(faulted, hit);
  }

  override resetForEpoch(dirty: Uint32Array): void {
    const spt = this.vm.spt;
    // Revoke last epoch's grants too: a wasted prediction left writable would let a
    // later write go unseen (it is not in the next predicted set to be scanned).
    revokeWrite(spt, this.predicted);
    revokeWrite(spt, dirty);
    this.predicted = this.predictor.next(dirty);
    for (let i = 0; i < this.predicted.length; i++) spt[this.predicted[i]] = SPT_PW;
  }

  override predictorCounts(): PredictorCounts {
    return this.counts;
  }
}

/** Merge two ascending, disjoint pfn lists. */
export function mergeAscending(a: Uint32Array, b: readonly number[]): Uint32Array {
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) out[n++] = a[i] < b[j] ? a[i++] : b[j++];
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out;
}
