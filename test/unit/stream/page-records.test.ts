// The one page-record loop: plain PAGE_DATA is its default encoding, and the byte count
// the compressed variant reports as "plain" is what that loop really writes.
import { describe, expect, it } from 'vitest';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { PLAIN_PAGES, concatChunks, encodeEpoch, plainPageRecordBytes, type PageEncoding } from '../../../src/stream/encoder.js';
import { REC_PAGE_DATA } from '../../../src/stream/records.js';

function image(pages: number) {
  const pfns = Uint32Array.from({ length: pages }, (_, i) => i);
  const bytes = new Uint8Array(pages * PAGE_SIZE);
  for (let i = 0; i < bytes.length; i += 61) bytes[i] = i & 0xff;
  return { epoch: 1, guestPages: 4096, pfns, pages: bytes, contexts: [new Float64Array(CTX_SLOTS)], final: false };
}

describe('page records', () => {
  it.each([0, 1, 1023, 1024, 1025, 3000])('%i pages: plainPageRecordBytes is what plain PAGE_DATA takes', (n) => {
    const chunks = encodeEpoch(image(n));
    const tail = chunks[chunks.length - 1]!.length;
    expect(concatChunks(chunks).length - tail).toBe(plainPageRecordBytes(n));
  });

  it('the default encoding is plain PAGE_DATA; another encoding sees each record once, padded to 8 bytes', () => {
    const img = image(1500);
    const same = Buffer.from(concatChunks(encodeEpoch(img, {}, PLAIN_PAGES))).equals(concatChunks(encodeEpoch(img)));
    expect(same).toBe(true);
    const seen: number[] = [];
    const odd: PageEncoding = {
      recordType: REC_PAGE_DATA,
      encodePages: (pfns) => {
        seen.push(pfns.length);
        return { chunks: [new Uint8Array(3)], bytes: 3 };
      },
    };
    const chunks = encodeEpoch(img, {}, odd);
    expect(seen).toEqual([1024, 476]);
    // head, 3 body bytes, 5 bytes of padding; twice; then the tail
    expect(chunks.map((c) => c.length).slice(1, 3)).toEqual([3, 5]);
    expect(chunks.length).toBe(2 * 3 + 1);
  });
});
