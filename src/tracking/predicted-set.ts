/**
 * The set of pages wfp has pre-granted write access: a membership byte per page and the
 * members in a list of no particular order (a page's slot is kept in `slot`, so a page
 * joins or leaves in O(1)). A predictor changes the set in place by listing the pages
 * that join and leave, so the pause resets only the pages whose grant changed and the
 * pages written: a prediction that stays the same costs nothing to keep.
 *
 * A predictor fills `joined` (pages not members) and `left` (members) and calls
 * `apply(joinedCount, leftCount)`; each page at most once in the two lists. The lists
 * stay readable as this change's log until the next one. Predictors fill them
 * branch-free (write every candidate, advance the count by 0 or 1): which pages change
 * is as good as random to the CPU's branch predictor.
 */
export class PredictedSet {
  /** 1 iff the page is predicted */
  readonly member: Uint8Array;
  /** the members, in [0, size) */
  readonly list: Uint32Array;
  size = 0;
  /** the last change: pages that joined, in [0, joinedCount), and that left, in [0, leftCount) */
  readonly joined: Uint32Array;
  joinedCount = 0;
  readonly left: Uint32Array;
  leftCount = 0;
  private readonly slot: Uint32Array;

  constructor(pages: number) {
    this.member = new Uint8Array(pages);
    this.list = new Uint32Array(pages);
    this.slot = new Uint32Array(pages);
    this.joined = new Uint32Array(pages);
    this.left = new Uint32Array(pages);
  }

  /** Remove left[0..leftCount) (members) and add joined[0..joinedCount) (not members). */
  apply(joinedCount: number, leftCount: number): void {
    const { member, list, slot, joined, left } = this;
    let size = this.size;
    for (let i = 0; i < leftCount; i++) {
      const p = left[i];
      // Swap-remove: the last member takes p's slot.
      const last = list[--size];
      const s = slot[p];
      list[s] = last;
      slot[last] = s;
      member[p] = 0;
    }
    for (let i = 0; i < joinedCount; i++) {
      const p = joined[i];
      slot[p] = size;
      list[size++] = p;
      member[p] = 1;
    }
    this.size = size;
    this.joinedCount = joinedCount;
    this.leftCount = leftCount;
  }

  /** Change the set to exactly `want` (any order, each page once): O(members + want). */
  replaceWith(want: Uint32Array): void {
    // Mark the wanted pages with 2: a member then reads 3 (stays) or 1 (leaves), a
    // wanted page not a member reads 2 (joins).
    const { member, list, joined, left } = this;
    for (let i = 0; i < want.length; i++) member[want[i]] |= 2;
    let nl = 0;
    for (let i = 0; i < this.size; i++) {
      const p = list[i];
      left[nl] = p;
      nl += (member[p] >>> 1) ^ 1;
    }
    let nj = 0;
    for (let i = 0; i < want.length; i++) {
      const p = want[i];
      joined[nj] = p;
      nj += (member[p] & 1) ^ 1;
      member[p] &= 1;
    }
    this.apply(nj, nl);
  }

  /** Empty the set (nothing logged): at start, when every entry is dropped anyway. */
  clear(): void {
    for (let i = 0; i < this.size; i++) this.member[this.list[i]] = 0;
    this.size = 0;
    this.joinedCount = 0;
    this.leftCount = 0;
  }

  /** The members ascending, as a fresh array (for tests and reports, not the pause). */
  ascending(): Uint32Array {
    return this.list.slice(0, this.size).sort();
  }
}
