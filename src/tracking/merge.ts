/**
 * Merge the first `na` of `a` and the first `nb` of `b`, two ascending, disjoint pfn
 * lists (as dirty sets and predictions are), into a fresh array of exactly their pages:
 * the result outlives the epoch, the inputs may be scratch buffers.
 */
export function mergeAscending(
  a: ArrayLike<number>, b: ArrayLike<number>, na: number = a.length, nb: number = b.length,
): Uint32Array {
  const out = new Uint32Array(na + nb);
  let i = 0, j = 0, n = 0;
  while (i < na && j < nb) out[n++] = a[i] < b[j] ? a[i++] : b[j++];
  while (i < na) out[n++] = a[i++];
  while (j < nb) out[n++] = b[j++];
  return out;
}
