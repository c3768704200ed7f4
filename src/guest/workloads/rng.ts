/** xorshift32: one uint32 of state, so a workload's RNG fits in a register. Never 0. */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** A nonzero 32-bit seed for vCPU `vcpu` from the run seed (splitmix-style mixing). */
export function seedFor(seed: number, vcpu: number, salt: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(vcpu + 1, 0xc2b2ae35) ^ salt;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h = (h ^ (h >>> 16)) >>> 0;
  return h === 0 ? 1 : h;
}

/** FNV-1a over 32-bit words, continuing from `h`. */
export function fnvWord(h: number, w: number): number {
  return Math.imul(h ^ w, FNV_PRIME) >>> 0;
}

export const FNV_PRIME = 0x01000193;

export const FNV_OFFSET = 0x811c9dc5;
