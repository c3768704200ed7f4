/**
 * The set of pages wfp has pre-granted write access: a membership byte per page and the
 * members in a list of no particular order (a page's slot is kept in `slot`, so a page
 * joins or leaves in O(1)). A predictor changes the set in place, and each change is
 * logged, so that the pause resets only the pages whose grant changed and the pages
 * written: a prediction that stays the same costs nothing to keep.
 */
export class PredictedSet {
  /** 1 iff the page is predicted */
  readonly member: Uint8Array;
  /** the members, in [0, size) */
  readonly list: Uint32Array;
  size = 0;
  /** pages that joined and that left since the last beginChange, in [0, joinedCount) and [0, leftCount) */
  readonly joined: Uint32Array;
  joinedCount = 0;
  readonly left: Uint32Array;
  leftCount = 0;
  private readonly slot: Uint32Array;

  constructor(readonly pages: number) {
    this.member = new Uint8Array(pages);
    this.list = new Uint32Array(pages);
    this.slot = new Uint32Array(pages);
    // A predictor changes a page at most once per change, so a log never holds more than every page.
    this.joined = new Uint32Array(pages);
    this.left = new Uint32Array(pages);
  }

  beginChange(): void {
    this.joinedCount = 0;
    this.leftCount = 0;
  }

  /** Make p a member (no-op if it is one); logged in `joined`. */
  add(p: number): void {
    if (this.member[p] !== 0) return;
    this.member[p] = 1;
    this.slot[p] = this.size;
    this.list[this.size++] = p;
    this.joined[this.joinedCount++] = p;
  }

  /** Make p not a member (no-op if it is not); logged in `left`. */
  remove(p: number): void {
    if (this.member[p] === 0) return;
    this.member[p] = 0;
    const last = this.list[--this.size];
    const s = this.slot[p];
    this.list[s] = last;
    this.slot[last] = s;
    this.left[this.leftCount++] = p;
  }

  /** Change the set to exactly `want` (ascending or not, each page once): O(members + want). */
  replaceWith(want: Uint32Array): void {
    // Mark the wanted pages 2, drop members not marked, then add the rest and unmark.
    const member = this.member;
    for (let i = 0; i < want.length; i++) member[want[i]] |= 2;
    for (let i = this.size - 1; i >= 0; i--) {
      const p = this.list[i];
      if (member[p] === 1) this.remove(p);
    }
    for (let i = 0; i < want.length; i++) {
      const p = want[i];
      if (member[p] === 2) {
        member[p] = 0;
        this.add(p);
      } else {
        member[p] = 1;
      }
    }
  }

  /** Empty the set (nothing logged): at start, when every entry is dropped anyway. */
  clear(): void {
    for (let i = 0; i < this.size; i++) this.member[this.list[i]] = 0;
    this.size = 0;
    this.beginChange();
  }

  /** The members ascending, as a fresh array (for tests and reports, not the pause). */
  ascending(): Uint32Array {
    return this.list.slice(0, this.size).sort();
  }
}
