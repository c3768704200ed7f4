import { describe, it, expect } from 'vitest';
import { formatInspection, inspectStream } from '../../../src/stream/inspect.js';
import { encodeStream, makeEpochs } from './fixtures.js';

const epochs = makeEpochs({ guestPages: 20, vcpus: 2, epochs: 3, seed: 1, idleEpochs: [1], dirtyPerEpoch: 4 });
const stream = encodeStream(epochs);

describe('inspectStream', () => {
  it('lists records with offsets and the committed epochs', () => {
    const i = inspectStream(stream);
    expect(i).toMatchObject({ valid: true, version: 3, domainType: 2, compressed: false, hbft: true, error: null });
    expect(i.epochs).toEqual([
      { index: 0, epoch: 0, pages: 20, vcpus: 2, final: false },
      { index: 1, epoch: 1, pages: 0, vcpus: 2, final: false },
      { index: 2, epoch: 2, pages: 4, vcpus: 2, final: true },
    ]);
    expect(i.records[0]).toEqual({ type: 0x10, name: 'STATIC_DATA_END', offset: 40, length: 0 });
    expect(i.records.at(-1)).toMatchObject({ name: 'END', offset: stream.length - 8 });
    expect(i.records.filter((r) => r.name === 'CHECKPOINT')).toHaveLength(3);
    expect(JSON.parse(JSON.stringify(i))).toEqual(i); // `--json -` output is plain data
  });

  it('formats a summary and the error for humans', () => {
    const text = formatInspection(inspectStream(stream));
    expect(text).toContain('stream: valid');
    expect(text).toContain('epoch 2: 4 page(s), 2 vCPU context(s), final');
    expect(text).toMatch(/PAGE_DATA ×2/);
    const bad = formatInspection(inspectStream(stream.subarray(0, 100)), { records: true });
    expect(bad).toContain('stream: INVALID');
    expect(bad).toMatch(/error: TRUNCATED: PAGE_DATA at offset 48: stream ends at offset 100/);
    expect(bad).toMatch(/ 48 {2}PAGE_DATA/);
  });
});
