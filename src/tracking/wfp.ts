import type { VmViews } from '../vm/vm-buffers.js';
import { SPT_D, SPT_PW, SPT_W } from '../vm/layout.js';
import { harvestInto } from './dirty-bitmap.js';
import type { PredictorCounts } from './policy.js';
import { PredictedSet } from './predicted-set.js';
import { createPredictor, type Predictor } from './predictors.js';
import { RfrPolicy } from './rfr.js';

const D_SHIFT = 31 - Math.clz32(SPT_D);
const REVOKED = ~(SPT_W | SPT_D);

/**
 * Write-fault prediction: rfr, then the pages predicted to be written next epoch are
 * pre-granted P|W with D clear, so their writes take no fault. At the checkpoint a
 * predicted page is dirty iff its D bit is set (the vCPU sets it, like hardware).
 */
export class WfpPolicy extends RfrPolicy {
  override readonly mode = 'wfp' as const;
  private readonly predictor: Predictor;
  private readonly predicted: PredictedSet;
  private counts: PredictorCounts = { predicted: 0, hits: 0, wasted: 0, misses: 0 };

  constructor(vm: VmViews, predictor: string) {
    super(vm);
    this.predictor = createPredictor(predictor, vm.pages);
    this.predicted = new PredictedSet(vm.pages);
  }

  override start(): void {
    super.start();
    this.predicted.clear();
  }

  override collectDirty(): Uint32Array {
    // Each predicted page with D set joins the write faults' bitmap, so that one harvest
    // gives the whole dirty set ascending (a predicted page is writable: it never faults).
    // Every vCPU is parked: plain ORs. Branch-free, as which pages were written is as
    // good as random to the CPU.
    const { spt, bitmap } = this.vm;
    const { list, size } = this.predicted;
    let hits = 0;
    for (let i = 0; i < size; i++) {
      const p = list[i];
      const d = (spt[p] >>> D_SHIFT) & 1;
      bitmap[p >>> 5] |= d << (p & 31);
      hits += d;
    }
    const scratch = this.harvestScratch();
    const n = harvestInto(bitmap, this.vm.pages, scratch);
    this.counts = { predicted: size, hits, wasted: size - hits, misses: n - hits };
    return scratch.slice(0, n);
  }

  /**
   * The pages written lose W and D, and so do the pages leaving the prediction (a wasted
   * grant left writable would let a later write go unseen); the pages predicted next are
   * P|W with D clear. A page predicted again and not written keeps its grant untouched.
   */
  override resetForEpoch(dirty: Uint32Array): void {
    const set = this.predicted;
    this.predictor.update(dirty, set);
    const { spt } = this.vm;
    const member = set.member;
    settle(spt, member, dirty, dirty.length);
    settle(spt, member, set.left, set.leftCount);
    settle(spt, member, set.joined, set.joinedCount);
  }

  override predictorCounts(): PredictorCounts {
    return this.counts;
  }
}

/** Each listed page: P|W with D clear if predicted, else W and D cleared (vCPUs parked: plain writes). */
function settle(spt: Uint8Array, member: Uint8Array, pfns: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = pfns[i];
    spt[p] = member[p] !== 0 ? SPT_PW : spt[p] & REVOKED;
  }
}
