import { describe, expect, it } from 'vitest';
import { regionChecksum } from '../../../../src/guest/workloads/checksum.js';
import { FNV_OFFSET, fnvWord } from '../../../../src/guest/workloads/rng.js';
import { UntrackedMemory } from '../../../../src/vm/access.js';

describe('regionChecksum', () => {
  it('is fnvWord folded over the region\'s words, whatever the seed and the words\' high bits', () => {
    const buffer = new SharedArrayBuffer(64 * 1024);
    const words = new Uint32Array(buffer);
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(i + 1, 2654435761) >>> 0;
    words[5] = 0xffffffff;
    words[6] = 0x80000000;
    const mem = new UntrackedMemory({ ram8: new Uint8Array(buffer), ram32: words, ramF64: new Float64Array(buffer) });
    for (const [base, bytes, seed] of [[0, buffer.byteLength, FNV_OFFSET], [4096, 8192, 0], [12, 40, 0xdeadbeef], [0, 0, 7]]) {
      let want = seed;
      for (let i = base / 4; i < (base + bytes) / 4; i++) want = fnvWord(want, words[i]);
      expect(regionChecksum(mem, base, bytes, seed)).toBe(want);
    }
  });
});
