import type { VmViews } from '../vm/vm-buffers.js';
import { SPT_D, SPT_PW } from '../vm/layout.js';
import { harvestInto } from './dirty-bitmap.js';
import type { PredictorCounts } from './policy.js';
import { createPredictor, type Predictor } from './predictors.js';
import { RfrPolicy, revokeWrite } from './rfr.js';
import { mergeAscending } from './merge.js';

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
  private hitScratch: Uint32Array | null = null;
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
    const faulted = this.harvestScratch();
    const misses = harvestInto(this.vm.bitmap, this.vm.pages, faulted);
    // The predicted pages written without a fault, ascending as the prediction is.
    const spt = this.vm.spt;
    const predicted = this.predicted;
    const hit = (this.hitScratch ??= new Uint32Array(this.vm.pages));
    let hits = 0;
    for (let i = 0; i < predicted.length; i++) {
      const p = predicted[i];
      if ((spt[p] & SPT_D) !== 0) hit[hits++] = p;
    }
    this.counts = { predicted: predicted.length, hits, wasted: predicted.length - hits, misses };
    return mergeAscending(faulted, hit, misses, hits);
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
