// The backup bounds what it accepts: pfns checked as they arrive (range, repeats),
// staging capped by the guest size, the full copy complete, the guest within --max-mem,
// the device state validated field by field, the workload only from the allow-list.
import { describe, expect, it } from 'vitest';
import { BackupReceiver } from '../../../src/backup/receiver.js';
import { decodeDeviceState, encodeDeviceState, type GuestRunConfig } from '../../../src/replica/device-state.js';
import { WorkloadAllowlist } from '../../../src/backup/workload-allowlist.js';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { concatChunks, encodeEpoch, encodePageDataHead, encodeStreamHeader } from '../../../src/stream/encoder.js';
import { REC_PAGE_DATA } from '../../../src/stream/records.js';

const RUN: GuestRunConfig = {
  workload: 'kv', seed: 1, pages: 16, vcpus: 1, options: {}, opsPerVcpu: 100, durationMs: null, stepOps: 64, epochMs: null, epochOps: 50,
};

function epoch(n: number, pfns: number[], run: GuestRunConfig = RUN): Uint8Array {
  const img = {
    epoch: n, guestPages: run.pages, pfns: Uint32Array.from(pfns), pages: new Uint8Array(pfns.length * PAGE_SIZE).fill(n + 1),
    contexts: Array.from({ length: run.vcpus }, () => new Float64Array(CTX_SLOTS)), final: false,
  };
  return concatChunks(encodeEpoch(img, { deviceState: encodeDeviceState({ version: 1, run }) }));
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A PAGE_DATA record with the given pfns, as a flood would send it. */
function pageRecord(pfns: number[]): Uint8Array {
  return concatChunks([encodePageDataHead(REC_PAGE_DATA, Uint32Array.from(pfns), pfns.length * PAGE_SIZE), new Uint8Array(pfns.length * PAGE_SIZE)]);
}

describe('receiver limits', () => {
  it('a whole stream within the limits commits', () => {
    const r = new BackupReceiver({}, { maxPages: 16 });
    expect(r.feed(concatChunks([encodeStreamHeader(), epoch(0, all(16)), epoch(1, [3, 5])]))).toBe(true);
    expect(r.committedEpoch).toBe(1);
  });

  it('a repeated pfn is refused in the record that repeats it, before any HVM_CONTEXT', () => {
    const r = new BackupReceiver({}, { maxPages: 1 << 20 });
    r.feed(concatChunks([encodeStreamHeader(), pageRecord([0, 1, 2])]));
    expect(r.state).toBe('receiving');
    expect(r.feed(pageRecord([2]))).toBe(false);
    expect(r.failure).toMatchObject({ code: 'BAD_ORDER' });
    expect(r.failure!.message).toMatch(/PAGE_DATA at offset \d+: pfn 0x2 repeated in epoch 0/);
  });

  it('a pfn beyond --max-mem is refused on arrival; after epoch 0 the bound is the guest size', () => {
    const r = new BackupReceiver({}, { maxPages: 64 });
    expect(r.feed(concatChunks([encodeStreamHeader(), pageRecord([63, 64])]))).toBe(false);
    expect(r.failure!.message).toMatch(/pfn 0x40 beyond guest RAM \(64 pages\)/);
    const r2 = new BackupReceiver({}, { maxPages: 64 });
    r2.feed(concatChunks([encodeStreamHeader(), epoch(0, all(16))]));
    expect(r2.feed(pageRecord([15, 16]))).toBe(false);
    expect(r2.failure!.message).toMatch(/pfn 0x10 beyond guest RAM \(16 pages\)/);
  });

  it('a flood of ascending pages stages at most maxPages pages', () => {
    const r = new BackupReceiver({}, { maxPages: 300 });
    r.feed(encodeStreamHeader());
    let ok = true;
    for (let first = 0; ok && first < 10_000; first += 100) ok = r.feed(pageRecord(all(100).map((i) => first + i)));
    expect(ok).toBe(false);
    expect(r.failure!.message).toMatch(/pfn 0x12c beyond guest RAM \(300 pages\)/);
    const staging = (r as unknown as { decoder: { staging: { pages: Uint8Array } } }).decoder.staging;
    expect(staging.pages.byteLength).toBeLessThanOrEqual(300 * PAGE_SIZE);
  });

  it('the full copy must carry every page', () => {
    const r = new BackupReceiver({}, { maxPages: 64 });
    expect(r.feed(concatChunks([encodeStreamHeader(), epoch(0, [0, 1, 2])]))).toBe(false);
    expect(r.failure).toMatchObject({ code: 'INCOMPLETE_FULL_COPY' });
    expect(r.committedEpoch).toBe(-1);
  });

  it('a guest larger than --max-mem is refused', () => {
    const r = new BackupReceiver({}, { maxPages: 8 });
    // pfns stop at 8, so the copy is refused at the first page past the limit.
    expect(r.feed(concatChunks([encodeStreamHeader(), epoch(0, all(16))]))).toBe(false);
    expect(r.failure!.message).toMatch(/beyond guest RAM \(8 pages\)/);
  });

  it('the run config may not change between epochs', () => {
    const r = new BackupReceiver({}, { maxPages: 64 });
    expect(r.feed(concatChunks([encodeStreamHeader(), epoch(0, all(16)), epoch(1, [1], { ...RUN, stepOps: 65 })]))).toBe(false);
    expect(r.failure!.message).toMatch(/run config changed/);
    expect(r.committedEpoch).toBe(0);
  });

  it('checkRun refuses the first epoch of a run it will not resume', () => {
    const allow = new WorkloadAllowlist([]);
    const r = new BackupReceiver({}, { maxPages: 64, checkRun: (run) => void allow.resolve(run.workload) });
    expect(r.feed(concatChunks([encodeStreamHeader(), epoch(0, all(16), { ...RUN, workload: '/tmp/evil.mjs' })]))).toBe(false);
    expect(r.failure).toMatchObject({ code: 'WORKLOAD_REFUSED' });
    expect(r.committedEpoch).toBe(-1);
  });
});

describe('device state validation', () => {
  const bad: [Partial<Record<keyof GuestRunConfig, unknown>>, RegExp][] = [
    [{ stepOps: 0 }, /stepOps 0 not in 1\.\./],
    [{ stepOps: 1.5 }, /stepOps 1.5/],
    [{ vcpus: 0 }, /vcpus 0 not in 1\.\.64/],
    [{ vcpus: 65 }, /vcpus 65/],
    [{ pages: 0 }, /pages 0 fewer than/],
    [{ seed: -1 }, /seed -1/],
    [{ opsPerVcpu: null, durationMs: null }, /would never end/],
    [{ opsPerVcpu: 0 }, /opsPerVcpu 0/],
    [{ epochMs: 0 }, /epochMs 0/],
    [{ workload: '' }, /workload must be a name/],
    [{ options: { a: { nested: 1 } } }, /option a is a object/],
    [{ options: [] }, /options is not an object/],
  ];
  for (const [patch, msg] of bad) {
    it(`${JSON.stringify(patch)} -> ${msg}`, () => {
      const bytes = encodeDeviceState({ version: 1, run: { ...RUN, ...patch } as GuestRunConfig });
      expect(() => decodeDeviceState(bytes, 3)).toThrow(msg);
      expect(() => decodeDeviceState(bytes, 3)).toThrow(/^epoch 3 DEVICE_STATE: /);
    });
  }
  it('a valid one passes', () => {
    expect(decodeDeviceState(encodeDeviceState({ version: 1, run: RUN }), 0).run).toEqual(RUN);
  });
});

describe('workload allow-list', () => {
  const allow = new WorkloadAllowlist(['/opt/mods/mine.mjs', './rel/other.mjs']);
  it('built-ins by name, never prototype keys', () => {
    expect(allow.resolve('kv')).toBe('kv');
    expect(() => allow.resolve('constructor')).toThrow(/not a built-in/);
    expect(() => allow.resolve('__proto__')).toThrow(/not a built-in/);
  });
  it('modules only from the command line, run under the backup\'s own path', () => {
    expect(allow.resolve('/opt/mods/mine.mjs')).toBe('/opt/mods/mine.mjs');
    expect(allow.resolve('./somewhere/else/mine.mjs')).toBe('/opt/mods/mine.mjs'); // the primary's cwd differs
    expect(() => allow.resolve('/tmp/evil.mjs')).toThrow(/not among this backup's --workload-module files/);
  });
});
