import { HbftError, type HbftErrorOptions } from '../base/errors.js';
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

/** history:k:m: pages dirty in at least m of the last k epochs. */
export class HistoryPredictor implements Predictor {
  readonly name: string;
  private readonly window: Uint32Array[] = [];
  private readonly hits: Uint8Array;
  // Pages already emitted this round, by round number: no Set on the pause path. The
  // round wraps after 2^32 epochs (three years of 25 ms epochs): not guarded.
  private readonly emitted: Uint32Array;
  private round = 0;

  constructor(pages: number, private readonly k: number, private readonly m: number) {
    this.name = `history:${k}:${m}`;
    this.hits = new Uint8Array(pages);
    this.emitted = new Uint32Array(pages);
  }

  next(dirty: Uint32Array): Uint32Array {
    this.window.push(dirty);
    for (let i = 0; i < dirty.length; i++) this.hits[dirty[i]]++;
    if (this.window.length > this.k) {
      const old = this.window.shift()!;
      for (let i = 0; i < old.length; i++) this.hits[old[i]]--;
    }
    const round = ++this.round;
    let n = 0;
    for (const set of this.window) n += set.length;
    const out = new Uint32Array(n);
    n = 0;
    for (const set of this.window) {
      for (let i = 0; i < set.length; i++) {
        const p = set[i];
        if (this.hits[p] >= this.m && this.emitted[p] !== round) {
          this.emitted[p] = round;
          out[n++] = p;
        }
      }
    }
    return out.subarray(0, n).sort();
  }
}

/** spatial:w: Dirty(e) and every page within w pages of one of them. */
export class SpatialPredictor implements Predictor {
  readonly name: string;
  constructor(private readonly pages: number, private readonly w: number) {
    this.name = `spatial:${w}`;
  }

  next(dirty: Uint32Array): Uint32Array {
    const out: number[] = [];
    let next = 0; // first page not yet emitted: dirty is ascending, so ranges only grow
    for (let i = 0; i < dirty.length; i++) {
      const lo = Math.max(next, dirty[i] - this.w);
      const hi = Math.min(this.pages - 1, dirty[i] + this.w);
      for (let p = lo; p <= hi; p++) out.push(p);
      next = Math.max(next, hi + 1);
    }
    return Uint32Array.from(out);
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
