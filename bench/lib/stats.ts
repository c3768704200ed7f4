/** Median of a non-empty sample (mean of the middle two for even sizes). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >>> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(xs: ArrayLike<number>, p: number): number {
  if (xs.length === 0) throw new RangeError('percentile of an empty sample');
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function geomean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('geometric mean of an empty sample');
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/** Spread of repeated measurements: [min, max], reported beside the median. */
export function spread(xs: readonly number[]): [number, number] {
  return [Math.min(...xs), Math.max(...xs)];
}
