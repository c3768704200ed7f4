import { HbftError, type HbftErrorOptions } from '../base/errors.js';
import type { PredictedSet } from './predicted-set.js';
/**
 * Write-set predictors for wfp (docs/design.md, Tracking modes): each sees Dirty(e) at
 * the end of epoch e and changes the predicted set from Predicted(e) to Predicted(e+1)
 * in place. State is kept per page in typed arrays so an update costs in proportion to
 * the dirty sets and the change, not to RAM.
 */
export interface Predictor {
  readonly name: string;
  /** Dirty(e) (ascending) seen: change `set` from Predicted(e) into Predicted(e+1). */
  update(dirty: Uint32Array, set: PredictedSet): void;
}

export class PredictorError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('PREDICTOR', message, options);
  }
}

/** last: Predicted(e+1) = Dirty(e). The reference for exact-count tests. */
export class LastPredictor implements Predictor {
  readonly name = 'last';
  update(dirty: Uint32Array, set: PredictedSet): void {
    set.replaceWith(dirty);
  }
}

/**
 * history:k:m: pages dirty in at least m of the last k epochs. A page's count rises only
 * by its being dirty now and falls only by its epoch leaving the window, so only those
 * two sets can join or leave the prediction: an update reads Dirty(e) and the epoch
 * leaving the window, twice each, and never the prediction itself.
 */
export class HistoryPredictor implements Predictor {
  readonly name: string;
  private readonly window: Uint32Array[] = [];
  /** per page: epochs of the window it was dirty in */
  private readonly hits: Uint8Array;

  constructor(pages: number, private readonly k: number, private readonly m: number) {
    this.name = `history:${k}:${m}`;
    this.hits = new Uint8Array(pages);
  }

  update(dirty: Uint32Array, set: PredictedSet): void {
    const { hits, m } = this;
    const { member, joined, left } = set;
    this.window.push(dirty);
    for (let i = 0; i < dirty.length; i++) hits[dirty[i]]++;
    let nl = 0;
    const old = this.window.length > this.k ? this.window.shift()! : null;
    if (old !== null) {
      for (let i = 0; i < old.length; i++) hits[old[i]]--;
      // Counts are final now: a page of both sets has the count it had, and stays as it was.
      for (let i = 0; i < old.length; i++) {
        const p = old[i];
        left[nl] = p;
        nl += ((hits[p] - m) >>> 31) & member[p]; // below m, and a member
      }
    }
    let nj = 0;
    for (let i = 0; i < dirty.length; i++) {
      const p = dirty[i];
      joined[nj] = p;
      nj += ((m - 1 - hits[p]) >>> 31) & (member[p] ^ 1); // at m or more, and not a member
    }
    set.apply(nj, nl);
  }
}

/** spatial:w: Dirty(e) and every page within w pages of one of them. */
export class SpatialPredictor implements Predictor {
  readonly name: string;
  constructor(private readonly pages: number, private readonly w: number) {
    this.name = `spatial:${w}`;
  }

  update(dirty: Uint32Array, set: PredictedSet): void {
    // Twice over the ranges: count, then fill an array of exactly that size.
    const out = new Uint32Array(this.ranges(dirty, null));
    this.ranges(dirty, out);
    set.replaceWith(out);
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
