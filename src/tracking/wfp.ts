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
 * The collect scans every entry once more than 1 page in SCAN_SHARE is predicted: the
 * member loop reads its entries at random, the scan in order, four to a word. With most of
 * 256 MiB predicted, the tracking part of a pause went from 330-337 to 264-267 µs
 * (bench/README.md, Pause timing).
 */
const SCAN_SHARE = 8;

/**
 * Write-fault prediction: rfr, then the pages predicted to be written next epoch are
 * pre-granted P|W with D clear, so their writes take no fault. At the checkpoint a
 * predicted page is dirty iff its D bit is set (the vCPU sets it, like hardware).
 */
export class WfpPolicy extends RfrPolicy {
  override readonly mode = 'wfp' as const;
  private readonly predictor: Predictor;
  private readonly predicted: PredictedSet;
  /** The shadow entries and the membership bytes, four to a word, for the collect's scan. */
  private readonly sptWords: Uint32Array;
  private readonly memberWords: Uint32Array;
  private counts: PredictorCounts = { predicted: 0, hits: 0, wasted: 0, misses: 0 };

  constructor(vm: VmViews, predictor: string) {
    super(vm);
    this.predictor = createPredictor(predictor, vm.pages);
    this.predicted = new PredictedSet(vm.pages);
    this.sptWords = new Uint32Array(vm.spt.buffer, vm.spt.byteOffset, vm.pages >>> 2);
    const member = this.predicted.member;
    this.memberWords = new Uint32Array(member.buffer, member.byteOffset, vm.pages >>> 2);
  }

  override start(): void {
    super.start();
    this.predicted.clear();
  }

  override collectDirty(): Uint32Array {
    // Each predicted page with D set joins the write faults' bitmap, so that one harvest
    // gives the whole dirty set ascending (a predicted page is writable: it never faults).
    const size = this.predicted.size;
    const hits = size * SCAN_SHARE > this.vm.pages ? this.markWrittenByScan() : this.markWrittenMembers();
    const scratch = this.harvestScratch();
    const n = harvestInto(this.vm.bitmap, this.vm.pages, scratch);
    this.counts = { predicted: size, hits, wasted: size - hits, misses: n - hits };
    return scratch.slice(0, n);
  }

  /**
   * Mark the predicted pages with D in the bitmap, member by member; returns how many.
   * Every vCPU is parked: plain ORs. Branch-free, as which pages were written is as good
   * as random to the CPU.
   */
  private markWrittenMembers(): number {
    const { spt, bitmap } = this.vm;
    const { list, size } = this.predicted;
    let hits = 0;
    for (let i = 0; i < size; i++) {
      const p = list[i];
      const d = (spt[p] >>> D_SHIFT) & 1;
      bitmap[p >>> 5] |= d << (p & 31);
      hits += d;
    }
    return hits;
  }

  /**
   * The same for a large prediction, by a scan of every entry four at a time: the member
   * loop reads entries in the list's order, at random, the scan in order. A page with D
   * is a predicted page written or a write fault's page (the fault installs P|W|D and
   * marked the bitmap already), so all of them go into the bitmap and the predicted ones
   * are counted by their membership bytes, read four at a time too. Branch-free.
   */
  private markWrittenByScan(): number {
    const { spt, bitmap, pages } = this.vm;
    const words = this.sptWords;
    const members = this.memberWords;
    let hits = 0;
    for (let i = 0; i < words.length; i++) {
      // D of the word's four entries, at bits 0, 8, 16 and 24 (a membership byte's bit).
      const d = (words[i] >>> D_SHIFT) & 0x01010101;
      // The four pages 4i..4i+3 share one bitmap word.
      bitmap[i >>> 3] |= ((d | (d >>> 7) | (d >>> 14) | (d >>> 21)) & 0xf) << ((i & 7) << 2);
      hits += Math.imul(d & members[i], 0x01010101) >>> 24;
    }
    const member = this.predicted.member;
    for (let p = words.length << 2; p < pages; p++) {
      const d = (spt[p] >>> D_SHIFT) & 1;
      bitmap[p >>> 5] |= d << (p & 31);
      hits += d & member[p];
    }
    return hits;
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
