/**
 * Zipf-like rank in [0, n) from a uniform u in [0, 1): the continuous approximation of
 * Zipf(s) by inversion, cheap enough for a per-operation draw (one pow).
 */
export function zipfRank(u: number, n: number, s: number): number {
  const a = 1 - s;
  const r = Math.floor(Math.pow((Math.pow(n + 1, a) - 1) * u + 1, 1 / a)) - 1;
  return r < 0 ? 0 : r >= n ? n - 1 : r;
}

// A prime larger than any page or key count we use, so rank * SCATTER mod n is a bijection.
const SCATTER = 2654435761;

/** Spread ranks over [0, n) so hot items are not adjacent. */
export function scatter(rank: number, n: number): number {
  return (rank * SCATTER) % n;
}

export const UINT32_SCALE = 1 / 4294967296;
