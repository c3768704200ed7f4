import { describe, it, expect } from 'vitest';
import { StreamError } from '../../../src/stream/errors.js';
import { inspectStream } from '../../../src/stream/inspect.js';
import {
  REC_CHECKPOINT, REC_PAGE_DATA, REC_X86_TSC_INFO, REC_HVM_CONTEXT,
} from '../../../src/stream/records.js';
import { decodeInChunks, encodeStream, epochsEqual, makeEpochs, nthRecord, seededRng } from './fixtures.js';

const GUEST_PAGES = 32;
const epochs = makeEpochs({ guestPages: GUEST_PAGES, vcpus: 2, epochs: 3, seed: 11, dirtyPerEpoch: 5 });
const stream = encodeStream(epochs);
const u32 = (b: Uint8Array, at: number, v: number, le = true) => new DataView(b.buffer, b.byteOffset).setUint32(at, v, le);

interface ErrorCase {
  readonly name: string;
  readonly code: string;
  /** Epochs that still commit before the fault. */
  readonly committed: number;
  readonly message?: RegExp;
  readonly mutate: (b: Uint8Array) => Uint8Array;
}

const cases: ErrorCase[] = [
  {
    name: 'truncated stream', code: 'TRUNCATED', committed: 2,
    mutate: (b) => b.subarray(0, nthRecord(b, REC_HVM_CONTEXT, 2).offset + 20),
  },
  {
    name: 'bad record length', code: 'BAD_RECORD_LENGTH', committed: 1, message: /X86_TSC_INFO at offset \d+: body length 25/,
    mutate: (b) => { u32(b, nthRecord(b, REC_X86_TSC_INFO, 1).offset + 4, 25); return b; },
  },
  {
    name: 'PAGE_DATA length that disagrees with its count', code: 'BAD_RECORD_LENGTH', committed: 1, message: /^PAGE_DATA at offset/,
    mutate: (b) => { const r = nthRecord(b, REC_PAGE_DATA, 1); u32(b, r.offset + 4, r.length - 8); return b; },
  },
  {
    name: 'wrong version', code: 'BAD_VERSION', committed: 0, message: /IMAGE_HEADER at offset 0: version 2/,
    mutate: (b) => { u32(b, 12, 2, false); return b; },
  },
  {
    name: 'unknown record type', code: 'UNKNOWN_RECORD', committed: 0, message: /record type 0xf/,
    mutate: (b) => { u32(b, nthRecord(b, REC_CHECKPOINT, 0).offset, 0x0f); return b; },
  },
  {
    name: 'bad checksum (one page byte changed)', code: 'BAD_CHECKSUM', committed: 1, message: /^HVM_CONTEXT at offset \d+: epoch 1 checksum/,
    mutate: (b) => { const r = nthRecord(b, REC_PAGE_DATA, 1); b[r.offset + r.length - 100]! ^= 0x40; return b; },
  },
  {
    name: 'bad checksum (vCPU context changed)', code: 'BAD_CHECKSUM', committed: 2,
    mutate: (b) => { // record header 8, HEADER entry 32, EPOCH_INFO entry 24, VCPU 0 descriptor 8
      b[nthRecord(b, REC_HVM_CONTEXT, 2).offset + 8 + 32 + 24 + 8 + 20]! ^= 1; return b; },
  },
  {
    name: 'pfn beyond guest RAM', code: 'PFN_RANGE', committed: 1,
    message: /^PAGE_DATA at offset \d+: pfn 0x12345 beyond guest RAM \(32 pages\)$/,
    mutate: (b) => {
      const r = nthRecord(b, REC_PAGE_DATA, 1);
      const count = new DataView(b.buffer, b.byteOffset).getUint32(r.offset + 8, true);
      u32(b, r.offset + 16 + (count - 1) * 8, 0x12345); // the last pfn: order still ascending
      return b;
    },
  },
  {
    name: 'epochs out of order', code: 'BAD_ORDER', committed: 1, message: /epoch 2, expected 1/,
    mutate: () => encodeStream([epochs[0]!, epochs[2]!]),
  },
  {
    name: 'bytes after END', code: 'TRAILING_DATA', committed: 3,
    mutate: (b) => Uint8Array.from([...b, 0, 0, 0, 0, 0, 0, 0, 0]),
  },
  {
    name: 'random bytes', code: 'BAD_MARKER', committed: 0,
    mutate: (b) => { const rng = seededRng(5); return b.map(() => Math.floor(rng() * 256)); },
  },
  {
    name: 'unknown image id', code: 'BAD_ID', committed: 0,
    mutate: (b) => { u32(b, 8, 0x41424344, false); return b; },
  },
];

describe('stream faults', () => {
  it.each(cases)('$name -> $code', (c) => {
    const bytes = c.mutate(stream.slice());
    for (const sizes of [[bytes.length], [1], [7, 4096, 3]]) {
      const { epochs: out, error } = decodeInChunks(bytes, sizes);
      expect(error).toBeInstanceOf(StreamError);
      const err = error as StreamError;
      expect(err.code).toBe(c.code);
      if (c.message) expect(err.message).toMatch(c.message);
      expect(out).toHaveLength(c.committed);
      out.forEach((e, i) => expect(epochsEqual(e, epochs[i]!)).toBe(true));
    }
    const insp = inspectStream(bytes);
    expect(insp.valid).toBe(false);
    expect(insp.error?.code).toBe(c.code);
  });

  it('stays failed: a later feed rethrows the first fault', () => {
    const bytes = stream.slice();
    u32(bytes, 12, 9, false);
    const { error } = decodeInChunks(bytes, [30]);
    expect((error as StreamError).code).toBe('BAD_VERSION');
  });
});
