import { describe, it, expect } from 'vitest';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { encodeEpoch, encodeStreamHeader, concatChunks } from '../../../src/stream/encoder.js';
import { REC_HEADER_SIZE, REC_HVM_CONTEXT } from '../../../src/stream/records.js';
import {
  decodeInChunks, deviceStateFor, encodeStream, epochsEqual, makeEpochs, randomSplits, seededRng,
} from './fixtures.js';

const plan = { guestPages: 2100, vcpus: 2, epochs: 6, seed: 7, idleEpochs: [3], dirtyPerEpoch: 40 };
const epochs = makeEpochs(plan);
const stream = encodeStream(epochs);

describe('stream round trip', () => {
  it('decodes every epoch whole in one chunk', () => {
    const { epochs: out, error } = decodeInChunks(stream);
    expect(error).toBeNull();
    expect(out).toHaveLength(epochs.length);
    out.forEach((e, i) => {
      expect(epochsEqual(e, epochs[i]!)).toBe(true);
      expect(e.hbft).toBe(true);
      expect(e.contexts).toHaveLength(2);
      expect(e.contexts[0]).toHaveLength(CTX_SLOTS);
      expect(e.deviceState).toEqual(deviceStateFor(i));
    });
    expect(out[0]!.pfns).toHaveLength(plan.guestPages);
    expect(out[3]!.pfns).toHaveLength(0);
    expect(out[5]!.final).toBe(true);
  });

  it('decodes the same epochs from random chunk splits, down to single bytes', () => {
    const rng = seededRng(99);
    const smallEpochs = makeEpochs({ ...plan, guestPages: 24, dirtyPerEpoch: 3 });
    const small = encodeStream(smallEpochs);
    const cases = [
      ...Array.from({ length: 10 }, () => ({ bytes: small, want: smallEpochs, sizes: randomSplits(rng, 64, 7) })),
      ...Array.from({ length: 10 }, () => ({ bytes: stream, want: epochs, sizes: randomSplits(rng, 64, 70_000) })),
      { bytes: small, want: smallEpochs, sizes: [1] },
    ];
    for (const { bytes, want, sizes } of cases) {
      const { epochs: out, error } = decodeInChunks(bytes, sizes);
      expect(error).toBeNull();
      expect(out.map((e, i) => epochsEqual(e, want[i]!))).toEqual(want.map(() => true));
    }
  });

  it('splits epoch 0 into PAGE_DATA records of at most 1,024 pfns and writes none for an idle epoch', () => {
    const sizes = encodeEpoch(epochs[0]!).map((c) => c.length);
    // 2100 pages: records of 1024, 1024, 52 pages, each a head chunk and a page view.
    expect(sizes.filter((n) => n % PAGE_SIZE === 0 && n > 0)).toEqual([1024, 1024, 52].map((n) => n * PAGE_SIZE));
    const idle = encodeEpoch(epochs[3]!);
    expect(idle).toHaveLength(1); // TSC_INFO, HVM_CONTEXT, CHECKPOINT only
  });

  it('pads an HVM_CONTEXT whose length is not a multiple of 8 and excludes the padding from body_length', () => {
    const deviceState = deviceStateFor(1)!;
    // The idle epoch renumbered 1, so it can follow epoch 0 directly.
    const tail = encodeEpoch({ ...epochs[3]!, epoch: 1 }, { deviceState }).at(-1)!;
    const view = new DataView(tail.buffer, tail.byteOffset);
    const ctxAt = REC_HEADER_SIZE + 24;
    expect(view.getUint32(ctxAt, true)).toBe(REC_HVM_CONTEXT);
    const length = view.getUint32(ctxAt + 4, true);
    expect(length % 8).not.toBe(0);
    const whole = concatChunks([encodeStreamHeader(), ...encodeEpoch(epochs[0]!), tail]);
    expect(decodeInChunks(whole, [5]).epochs[1]?.deviceState).toEqual(deviceState);
  });

  it('keeps the emitted epochs when the stream breaks off mid-epoch', () => {
    const cut = stream.subarray(0, stream.length - 600);
    const { epochs: out, error } = decodeInChunks(cut, [4096]);
    expect(out).toHaveLength(epochs.length - 1);
    expect((error as { code?: string }).code).toBe('TRUNCATED');
  });
});
