import { describe, it, expect } from 'vitest';
import { PAGE_SIZE } from '../../../src/vm/layout.js';
import { CompressingEncoder, PageCache } from '../../../src/stream/compress.js';
import { concatChunks, encodeEnd, encodeEpoch, encodeStreamHeader } from '../../../src/stream/encoder.js';
import { StreamError } from '../../../src/stream/errors.js';
import { inspectStream } from '../../../src/stream/inspect.js';
import { PageImage } from '../../../src/stream/page-image.js';
import { decodeXorRle, encodeXorRle } from '../../../src/stream/xrle.js';
import { decodeInChunks, epochsEqual, makeEpochs, randInt, seededRng } from './fixtures.js';
import type { EpochImage } from '../../../src/epoch/epoch-image.js';

function compressedStream(epochs: readonly EpochImage[], cacheBytes?: number) {
  const enc = new CompressingEncoder(cacheBytes === undefined ? {} : { cacheBytes });
  const bytes = concatChunks([enc.header(), ...epochs.flatMap((e) => enc.encodeEpoch(e)), encodeEnd()]);
  return { bytes, stats: enc.stats };
}

/** Decodes with the backup's committed image as XOR base, applied epoch by epoch. */
function decodeAsBackup(bytes: Uint8Array, sizes: number[]) {
  const image = new PageImage();
  return decodeInChunks(bytes, sizes, { onEpoch: (e) => image.apply(e), basePage: (pfn) => image.page(pfn) });
}

describe('XOR + RLE page codec', () => {
  it('round-trips sparse, dense, identical and edge changes', () => {
    const rng = seededRng(4);
    const base = Uint8Array.from({ length: PAGE_SIZE }, () => randInt(rng, 256));
    const variants: Array<[string, (p: Uint8Array) => void]> = [
      ['identical', () => undefined],
      ['first and last byte', (p) => { p[0]! ^= 1; p[PAGE_SIZE - 1]! ^= 0x80; }],
      ['sparse', (p) => { for (let k = 0; k < 20; k++) p[randInt(rng, PAGE_SIZE)] = randInt(rng, 256); }],
      ['short gaps', (p) => { for (let k = 0; k < PAGE_SIZE; k += 3) p[k]! ^= 0xff; }],
    ];
    const out = new Uint8Array(PAGE_SIZE);
    const enc = new Uint8Array(PAGE_SIZE);
    for (const [name, change] of variants) {
      const page = base.slice();
      change(page);
      const n = encodeXorRle(page, base, enc);
      if (name === 'short gaps') {
        expect(n, name).toBe(-1); // would not be smaller than a raw page: sent raw
        continue;
      }
      expect(n, name).toBeGreaterThan(0);
      expect(decodeXorRle(enc.subarray(0, n), base, out), name).toBeNull();
      expect(Buffer.compare(out, page), name).toBe(0);
    }
    expect(decodeXorRle(Uint8Array.from([0, 16, 4, 0, 1, 2, 3, 4]), base, out)).toMatch(/overrun/);
  });
});

describe('compressed variant (HBFZ)', () => {
  // Realistic dirtying: 400 of 4,096 pages per epoch, 32 scattered bytes changed in each.
  const epochs = makeEpochs({ guestPages: 4096, vcpus: 2, epochs: 8, seed: 17, idleEpochs: [4], dirtyPerEpoch: 400, bytesPerDirtyPage: 32 });

  it('decodes to the same epochs and sends far fewer bytes on sparse changes', () => {
    const { bytes, stats } = compressedStream(epochs);
    const plain = concatChunks([encodeStreamHeader(), ...epochs.flatMap((e) => encodeEpoch(e)), encodeEnd()]);
    const { epochs: out, error } = decodeAsBackup(bytes, [1, 8191, 65536]);
    expect(error).toBeNull();
    expect(out.map((e, i) => epochsEqual(e, epochs[i]!))).toEqual(epochs.map(() => true));
    expect(stats.plainBytes).toBe(plain.length - 48 - 8); // the same epochs without headers and END
    const epoch0 = 4096 * PAGE_SIZE;
    const laterPlain = stats.plainBytes - epoch0;
    const laterSent = stats.sentBytes - epoch0;
    console.info(`compression: plain ${plain.length} B, compressed ${bytes.length} B; ` +
      `epochs 1-7: plain ${laterPlain} B, compressed ${laterSent} B (${(laterSent / laterPlain * 100).toFixed(1)}%), ` +
      `${stats.xorPages} of ${stats.pages} pages as XOR`);
    expect(laterSent / laterPlain).toBeLessThan(0.1);
    expect(stats.xorPages).toBeGreaterThan(6 * 380);
  });

  it('stays correct with a cache far smaller than the guest (LRU eviction)', () => {
    const { bytes, stats } = compressedStream(epochs, 64 * PAGE_SIZE);
    const { epochs: out, error } = decodeAsBackup(bytes, [70_000]);
    expect(error).toBeNull();
    expect(out).toHaveLength(epochs.length);
    out.forEach((e, i) => expect(epochsEqual(e, epochs[i]!)).toBe(true));
    expect(stats.xorPages).toBeLessThan(600);
  });

  it('is read by inspect, and refused without the committed base', () => {
    const small = makeEpochs({ guestPages: 64, vcpus: 1, epochs: 3, seed: 2, dirtyPerEpoch: 5 });
    const { bytes } = compressedStream(small);
    const insp = inspectStream(bytes);
    expect(insp.valid).toBe(true);
    expect(insp.compressed).toBe(true);
    expect(insp.records.some((r) => r.name === 'PAGE_DATA_XRLE')).toBe(true);
    const { epochs: out, error } = decodeInChunks(bytes);
    expect(out).toHaveLength(1); // epoch 0 is raw; epoch 1 needs the base
    expect((error as StreamError).code).toBe('NO_BASE');
  });

  it('catches a wrong base through the epoch checksum', () => {
    const small = makeEpochs({ guestPages: 64, vcpus: 1, epochs: 2, seed: 8, dirtyPerEpoch: 5 });
    const { bytes } = compressedStream(small);
    const stale = new Uint8Array(PAGE_SIZE).fill(1);
    const { error } = decodeInChunks(bytes, [4096], { basePage: () => stale });
    expect((error as StreamError).code).toBe('BAD_CHECKSUM');
  });

  it('bounds the cache by page count and evicts the least recently sent page', () => {
    const cache = new PageCache(2);
    const page = (v: number) => new Uint8Array(PAGE_SIZE).fill(v);
    cache.remember(1, page(1));
    cache.remember(2, page(2));
    cache.remember(1, page(3)); // 1 is now the most recent
    cache.remember(3, page(4));
    expect(cache.size).toBe(2);
    expect(cache.peek(2)).toBeUndefined();
    expect(cache.peek(1)?.[0]).toBe(3);
  });
});
