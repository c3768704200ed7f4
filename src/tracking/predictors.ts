import { HbftError, type HbftErrorOptions } from '../base/errors.js';
import { mergeAscending } from './merge.js';
/**
 * Write-set predictors for wfp (docs/design.md, Tracking modes): each sees Dirty(e) at the end of epoch e and
 * returns Predicted(e+1), ascending. State is kept per page in typed arrays so an update
 * costs in proportion to the dirty sets, not to RAM.
 */
export interface Predictor {
  readonly name: string;
  next(dirty: Uint32Array): Uint32Array;
}

export class PredictorError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('PREDICTOR', message, options);
  }
}

/** last: Predicted(e+1) = Dirty(e). The reference for exact-count tests. */
export class LastPredictor implements Predictor {
  readonly name = 'last';
  next(dirty: Uint32Array): Uint32Array {
    return dirty;
  }
}

/**
 * history:k:m: pages dirty in at least m of the last k epochs. The prediction is kept
 * from epoch to epoch and changed only where the window did: a page can join it only by
 * being dirty now, and leave it only by a count dropping. So an update reads the new
 * dirty set, the set leaving the window and the last prediction, each ascending, and
 * merges: no sort, no pass over RAM.
 */
export class HistoryPredictor implements Predictor {
  readonly name: string;
  private readonly window: Uint32Array[] = [];
  /** per page: epochs of the window it was dirty in */
  private readonly hits: Uint8Array;
  /** per page: 1 iff it is in `last` */
  private readonly inLast: Uint8Array;
  private last: Uint32Array = new Uint32Array(0);
  private keptScratch: Uint32Array | null = null;
  private joinedScratch: Uint32Array | null = null;

  constructor(pages: number, private readonly k: number, private readonly m: number) {
    this.name = `history:${k}:${m}`;
    this.hits = new Uint8Array(pages);
    this.inLast = new Uint8Array(pages);
  }

  next(dirty: Uint32Array): Uint32Array {
    const { hits, inLast, m } = this;
    this.window.push(dirty);
    for (let i = 0; i < dirty.length; i++) hits[dirty[i]]++;
    if (this.window.length > this.k) {
      const old = this.window.shift()!;
      for (let i = 0; i < old.length; i++) hits[old[i]]--;
    }
    // Predicted = pages of the last prediction still at m or more (kept), and dirty pages
    // at m or more not in it (joined): two ascending, disjoint lists, merged.
    const last = this.last;
    const kept = (this.keptScratch ??= new Uint32Array(hits.length));
    const joined = (this.joinedScratch ??= new Uint32Array(hits.length));
    let nk = 0;
    for (let i = 0; i < last.length; i++) {
      const p = last[i];
      if (hits[p] >= m) kept[nk++] = p;
      else inLast[p] = 0;
    }
    let nj = 0;
    for (let i = 0; i < dirty.length; i++) {
      const p = dirty[i];
      if (hits[p] >= m && inLast[p] === 0) {
        joined[nj++] = p;
        inLast[p] = 1;
      }
    }
    const out = mergeAscending(kept, joined, nk, nj);
    this.last = out;
    return out;
  }
}

/** spatial:w: Dirty(e) and every page within w pages of one of them. */
export class SpatialPredictor implements Predictor {
  readonly name: string;
  constructor(private readonly pages: number, private readonly w: number) {
    this.name = `spatial:${w}`;
  }

  next(dirty: Uint32Array): Uint32Array {
    // Twice over the ranges: count, then fill an array of exactly that size.
    const out = new Uint32Array(this.ranges(dirty, null));
    this.ranges(dirty, out);
    return out;
  }

  /** Visit the predicted pages ascending (each once: dirty is ascending, so ranges only grow); write them to `out` if given; returns how many. */
  private ranges(dirty: Uint32Array, out: Uint32Array | null): number {
    let n = 0;
    let next = 0; // first page not yet emitted
    for (let i = 0; i < dirty.length; i++) {
      const lo = Math.max(next, dirty[i] - this.w);
      const hi = Math.min(this.pages - 1, dirty[i] + this.w);
      if (out !== null) for (let p = lo; p <= hi; p++) out[n++] = p;
      else if (hi >= lo) n += hi - lo + 1;
      next = Math.max(next, hi + 1);
    }
    return n;
  }
}

export const PREDICTOR_SYNTAX = 'last | history:K:M (1 <= M <= K <= 16) | spatial:W (0 <= W <= 64)';

/** Parse --predictor; throws PredictorError naming the bad part. */
export function createPredictor(spec: string, pages: number): Predictor {
  if (spec === 'last') return new LastPredictor();
  let m = /^history:(\d+):(\d+)$/.exec(spec);
  if (m) {
    const k = Number(m[1]);
    const need = Number(m[2]);
    if (k < 1 || k > 16 || need < 1 || need > k) throw new PredictorError(`predictor "${spec}": want ${PREDICTOR_SYNTAX}`);
    return new HistoryPredictor(pages, k, need);
  }
  m = /^spatial:(\d+)$/.exec(spec);
  if (m && Number(m[1]) <= 64) return new SpatialPredictor(pages, Number(m[1]));
  throw new PredictorError(`predictor "${spec}": want ${PREDICTOR_SYNTAX}`);
}
