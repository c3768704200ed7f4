import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatChunks } from '../../../src/stream/encoder.js';
import { CompressingEncoder } from '../../../src/stream/compress.js';
import { inspectStream } from '../../../src/stream/inspect.js';
import { NO_XEN_CHECKER, runXenChecker } from '../../helpers/xen-checker.js';
import { decodeInChunks, encodeStream, makeEpochs } from './fixtures.js';

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hbft-stream-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function check(name: string, bytes: Uint8Array): { status: number | null; out: string } {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return runXenChecker(file);
}

const epochs = makeEpochs({ guestPages: 1500, vcpus: 2, epochs: 5, seed: 3, idleEpochs: [2], dirtyPerEpoch: 30 });
const stream = encodeStream(epochs);

describe.skipIf(NO_XEN_CHECKER)("Xen's stream checker", () => {
  it('accepts a multi-epoch hbft-emu stream', () => {
    const r = check('valid.bin', stream);
    expect(r.status, r.out).toBe(0);
    expect(inspectStream(stream).valid).toBe(true);
  });

  it('rejects a truncated copy, and so do the decoder and inspect', () => {
    const cut = stream.subarray(0, stream.length - 1000);
    const r = check('truncated.bin', cut);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/truncated/i);
    const insp = inspectStream(cut);
    expect(insp.valid).toBe(false);
    expect(insp.error?.code).toBe('TRUNCATED');
    expect(insp.epochs).toHaveLength(epochs.length - 1);
    expect((decodeInChunks(cut, [333]).error as { code?: string }).code).toBe('TRUNCATED');
  });

  it('rejects a stream that stops after a CHECKPOINT without END', () => {
    const noEnd = encodeStream(epochs, false);
    expect(check('no-end.bin', noEnd).status).toBe(1);
    const insp = inspectStream(noEnd);
    expect(insp.error?.code).toBe('TRUNCATED');
    expect(insp.epochs).toHaveLength(epochs.length); // every epoch still committed
  });

  it('rejects the compressed variant, which is hbft-emu framing, not Xen format', () => {
    const enc = new CompressingEncoder();
    const bytes = concatChunks([enc.header(), ...epochs.flatMap((e) => enc.encodeEpoch(e))]);
    expect(check('compressed.bin', bytes).status).toBe(1);
  });
});
