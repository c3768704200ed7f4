import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SIZE } from '../../../src/vm/layout.js';
import { concatChunks, encodeEnd, encodeStreamHeader } from '../../../src/stream/encoder.js';
import { HVM_HEADER_MAGIC } from '../../../src/stream/hvm-context.js';
import { inspectStream } from '../../../src/stream/inspect.js';
import { NO_XEN_CHECKER, runXenChecker } from '../../helpers/xen-checker.js';
import { decodeInChunks } from './fixtures.js';

// A stream as another tool writes it: raw PAGE_DATA and a minimal HVM_CONTEXT (HEADER
// and END entries only), no hbft-emu private entries. Built by hand, not by our encoder.
function record(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + ((body.length + 7) & ~7));
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function pageData(pfns: number[], fill: (pfn: number, k: number) => number): Uint8Array {
  const body = new Uint8Array(8 + pfns.length * (8 + PAGE_SIZE));
  const v = new DataView(body.buffer);
  v.setUint32(0, pfns.length, true);
  pfns.forEach((pfn, i) => {
    v.setBigUint64(8 + i * 8, BigInt(pfn), true);
    body.fill(fill(pfn, i), 8 + pfns.length * 8 + i * PAGE_SIZE, 8 + pfns.length * 8 + (i + 1) * PAGE_SIZE);
  });
  return record(0x01, body);
}

function minimalContext(): Uint8Array {
  const body = new Uint8Array(8 + 24 + 8);
  const v = new DataView(body.buffer);
  v.setUint16(0, 1, true); // HEADER
  v.setUint32(4, 24, true);
  v.setUint32(8, HVM_HEADER_MAGIC, true);
  v.setUint32(12, 1, true);
  return record(0x09, body); // END entry: eight zero bytes
}

const tsc = () => record(0x08, new Uint8Array(24));
const params = () => { const b = new Uint8Array(8 + 16); b[0] = 1; b[8] = 2; b[16] = 0x42; return record(0x0a, b); };
const checkpoint = () => record(0x0e, new Uint8Array(0));

/** A checkpointed stream in Xen's order (context before params), two epochs. */
const foreignStream = () => concatChunks([
  encodeStreamHeader(),
  pageData([1, 5, 9], (pfn) => pfn), tsc(), minimalContext(), params(), checkpoint(),
  pageData([5], () => 0x55), tsc(), minimalContext(), checkpoint(),
  encodeEnd(),
]);

describe('streams without hbft-emu entries', () => {
  it('reads a checkpointed stream from another tool as valid (Xen order: context before params)', () => {
    const bytes = foreignStream();
    const insp = inspectStream(bytes);
    expect(insp.error).toBeNull();
    expect(insp.valid).toBe(true);
    expect(insp.hbft).toBe(false);
    expect(insp.epochs.map((e) => [e.pages, e.vcpus])).toEqual([[3, 0], [1, 0]]);
    const { epochs } = decodeInChunks(bytes, [3]);
    expect(Array.from(epochs[0]!.pfns)).toEqual([1, 5, 9]);
    expect(epochs[0]!.guestPages).toBe(0); // unknown: the pfn range check is skipped
    expect(epochs[1]!.pages[100]).toBe(0x55);
  });

  it.skipIf(NO_XEN_CHECKER)("that hand-built stream is valid for Xen's checker too", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbft-foreign-'));
    try {
      writeFileSync(join(dir, 'foreign.bin'), foreignStream());
      const r = runXenChecker(join(dir, 'foreign.bin'));
      expect(r.status, r.out).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('commits a plain migration stream (no CHECKPOINT) at END, the last copy of a page winning', () => {
    const bytes = concatChunks([
      encodeStreamHeader(),
      pageData([7, 2], (_pfn, k) => 10 + k), pageData([2], () => 99), tsc(), minimalContext(),
      encodeEnd(),
    ]);
    const { epochs, error } = decodeInChunks(bytes, [5]);
    expect(error).toBeNull();
    expect(epochs).toHaveLength(1);
    expect(Array.from(epochs[0]!.pfns)).toEqual([2, 7]);
    expect(epochs[0]!.pages[0]).toBe(99);
    expect(epochs[0]!.pages[PAGE_SIZE]).toBe(10);
    expect(inspectStream(bytes).valid).toBe(true);
  });

  it('refuses CHECKPOINT without HVM_CONTEXT and page data after the end-of-epoch records', () => {
    const noContext = concatChunks([encodeStreamHeader(), pageData([1], () => 1), tsc(), checkpoint(), encodeEnd()]);
    expect(inspectStream(noContext).error?.code).toBe('BAD_ORDER');
    const late = concatChunks([encodeStreamHeader(), tsc(), pageData([1], () => 1), minimalContext(), checkpoint(), encodeEnd()]);
    expect(inspectStream(late).error?.code).toBe('BAD_ORDER');
  });
});
