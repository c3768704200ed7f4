import type { GuestMemory } from './define.js';
import { FNV_OFFSET, fnvWord } from './rng.js';

/** FNV-1a over the 32-bit words of [base, base + bytes), through the guest's memory. */
export function regionChecksum(mem: GuestMemory, base: number, bytes: number, h = FNV_OFFSET): number {
  for (let a = base, end = base + bytes; a < end; a += 4) h = fnvWord(h, mem.load32(a));
  return h;
}
