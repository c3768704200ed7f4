// Bad input never reaches the committed image: seeded mutations and truncations of a
// real multi-epoch stream, fed to BackupReceiver in random splits, plus a handful sent
// to the real `hbft backup` process over a socket.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupReceiver } from '../../src/backup/receiver.js';
import { LINK_DATA, linkHeader } from '../../src/link/link-frames.js';
import { StreamEncoding } from '../../src/link/backup-link.js';
import { runSync } from '../../src/run/sync-vm.js';
import { REC_HEADER_SIZE, REC_PAGE_DATA, PAGE_DATA_HEADER_SIZE } from '../../src/stream/records.js';
import { concatChunks } from '../../src/stream/encoder.js';
import { xorshift32 } from '../../src/guest/workloads/rng.js';
import { BUILTIN_WORKLOADS } from '../../src/guest/workloads/registry.js';
import { hbftProc, killAll, reportOf } from '../helpers/processes.js';

afterEach(killAll);

const PAGES = 128;
const VCPUS = 2;
const run = runSync({ workload: BUILTIN_WORKLOADS.kv!, mode: 'logdirty', pages: PAGES, vcpus: VCPUS, seed: 3, options: {}, opsPerVcpu: 3000, epochOps: 600 });
const enc = new StreamEncoding(false, {
  workload: 'kv', seed: 3, pages: PAGES, vcpus: VCPUS, options: {}, opsPerVcpu: 3000, durationMs: null, stepOps: 1024, epochMs: null, epochOps: 600,
});
// Epoch k's bytes are [bounds[k], bounds[k + 1]); bounds[0] is after the stream header.
const parts = run.epochs.map((e) => concatChunks(enc.epoch(e.image).chunks));
const stream = concatChunks([...parts, enc.end()]);
// The stream header (image header, domain header, STATIC_DATA_END) precedes epoch 0.
const HEADER_BYTES = 24 + 16 + REC_HEADER_SIZE;
const bounds = [HEADER_BYTES];
for (let k = 0, at = 0; k < parts.length; k++) bounds.push((at += parts[k]!.length));

/** Receiver state after feeding `bytes` in seeded random splits (and end() if asked). */
function feed(bytes: Uint8Array, rng: () => number, end: boolean) {
  const r = new BackupReceiver();
  let at = 0;
  while (at < bytes.length && r.feed(bytes.subarray(at, (at = Math.min(bytes.length, at + 1 + (rng() % 70_000)))))) { /* next split */ }
  if (end) r.end();
  return r;
}

const goodCrc: number[] = []; // image CRC after committing epoch k
{
  const r = new BackupReceiver();
  r.feed(stream.subarray(0, bounds[0]!));
  for (let k = 0; k < parts.length; k++) {
    r.feed(stream.subarray(bounds[k]!, bounds[k + 1]!));
    goodCrc.push(r.imageCrc());
  }
}

type Mutation = (s: Uint8Array, k: number, rng: () => number) => { bytes: Uint8Array; end: boolean };
const within = (k: number, rng: () => number) => bounds[k]! + (rng() % (bounds[k + 1]! - bounds[k]!));
const MUTATIONS: Record<string, Mutation> = {
  truncated: (s, k, rng) => ({ bytes: s.slice(0, within(k, rng)), end: true }),
  bitFlip: (s, k, rng) => { const b = s.slice(0, bounds[k + 1]); b[within(k, rng)] ^= 1 << (rng() % 8); return { bytes: b, end: true }; },
  byteOverwrite: (s, k, rng) => { const b = s.slice(0, bounds[k + 1]); for (let i = 0; i < 1 + (rng() % 8); i++) b[within(k, rng)] = rng() & 0xff; return { bytes: b, end: true }; },
  badRecordLength: (s, k, rng) => { const b = s.slice(0, bounds[k + 1]); new DataView(b.buffer).setUint32(bounds[k]! + 4, rng(), true); return { bytes: b, end: true }; },
  unknownRecordType: (s, k, rng) => { const b = s.slice(0, bounds[k + 1]); new DataView(b.buffer).setUint32(bounds[k]!, 0x20 + (rng() % 0x1000), true); return { bytes: b, end: true }; },
  badChecksum: (s, k) => { const b = s.slice(0, bounds[k + 1]); b[bounds[k + 1]! - REC_HEADER_SIZE - 16] ^= 0xff; return { bytes: b, end: true }; },
  pfnBeyondRam: (s, k, rng) => {
    const b = s.slice(0, bounds[k + 1]);
    const v = new DataView(b.buffer);
    if (v.getUint32(bounds[k]!, true) === REC_PAGE_DATA) v.setUint32(bounds[k]! + REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE, PAGES + (rng() % 100_000), true);
    else b[bounds[k]!] ^= 0x40; // an epoch without pages: break its first record instead
    return { bytes: b, end: true };
  },
  randomTail: (s, k, rng) => { const b = s.slice(0, bounds[k + 1]); for (let i = within(k, rng); i < b.length; i++) b[i] = rng() & 0xff; return { bytes: b, end: true }; },
  insertedBytes: (s, k, rng) => { const at = within(k, rng); const junk = Uint8Array.from({ length: 1 + (rng() % 40) }, () => rng() & 0xff); return { bytes: concatChunks([s.subarray(0, at), junk, s.subarray(at, bounds[k + 1])]), end: true }; },
};

describe('backup receiver fuzz', () => {
  it('1,200 mutated or truncated streams: no crash, no bad epoch applied, committed image unchanged', () => {
    let seed = 0x1234567;
    const rng = () => (seed = xorshift32(seed));
    const names = Object.keys(MUTATIONS);
    let cases = 0;
    let refused = 0;
    const applied: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const name = names[i % names.length]!;
      const k = 1 + (rng() % (parts.length - 1)); // epoch 0 .. k-1 good, epoch k attacked
      const { bytes, end } = MUTATIONS[name]!(stream, k, rng);
      const r = feed(bytes, rng, end);
      cases++;
      const crc = r.imageCrc();
      if (r.committedEpoch === k - 1 && crc === goodCrc[k - 1]) {
        refused++;
        expect(r.state).toBe('failed');
        expect(r.failure!.message.split('\n')).toHaveLength(1);
        expect(r.failure!.message).toMatch(/^[A-Za-z0-9_]+ at offset \d+: /);
      } else if (!(r.committedEpoch === k && crc === goodCrc[k])) {
        applied.push(`case ${i} ${name} epoch ${k}: committed ${r.committedEpoch}, crc ${crc}`);
      }
    }
    expect(applied).toEqual([]);
    expect(cases).toBe(1200);
    expect(refused).toBeGreaterThan(1150); // the rest were harmless (e.g. a flip undone by a second write)
  });

  it('300 streams of random bytes, and a wrong version: refused with nothing committed', () => {
    let seed = 99;
    const rng = () => (seed = xorshift32(seed));
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + (rng() % 5000) }, () => rng() & 0xff);
      if (i % 3 === 0) bytes.set(stream.subarray(0, Math.min(bytes.length, 24 + (rng() % 40)))); // plausible headers
      const r = feed(bytes, rng, true);
      expect(r.committedEpoch).toBe(-1);
      expect(r.state).toBe('failed');
    }
    const wrongVersion = stream.slice();
    new DataView(wrongVersion.buffer).setUint32(12, 2); // big-endian version field
    const r = feed(wrongVersion, rng, true);
    expect(r.failure).toMatchObject({ code: 'BAD_VERSION' });
    expect(r.committedEpoch).toBe(-1);
  });
});

describe('the real backup process refuses bad streams and keeps its image', () => {
  const cases: [string, number][] = [['badChecksum', 2], ['pfnBeyondRam', 1], ['unknownRecordType', 3], ['badRecordLength', 2], ['truncated', 2], ['randomTail', 1]];
  for (const [name, k] of cases) {
    it(`${name} in epoch ${k}`, async () => {
      const backup = hbftProc('backup', '--listen', '127.0.0.1:0', '--json', '-', '--no-failover');
      const port = Number((await backup.waitFor(/listening on [^:\s]+:(\d+)/))[1]);
      let seed = 7 + k;
      const { bytes } = MUTATIONS[name]!(stream, k, () => (seed = xorshift32(seed)));
      const sock = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      for (let at = 0; at < bytes.length; at += 65536) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + 65536));
        sock.write(linkHeader(LINK_DATA, piece.length));
        sock.write(piece);
      }
      sock.end();
      sock.on('error', () => sock.destroy()); // the backup may close first; its report is what counts
      await backup.exited;
      const rep = reportOf(backup);
      expect(rep.committedEpoch).toBe(k - 1);
      expect(rep.imageCrc).toBe(goodCrc[k - 1]);
      expect(rep.streamError.message).toMatch(/^[A-Za-z0-9_]+ at offset \d+: /);
      expect(backup.err).not.toMatch(/\n\s+at /);
    });
  }
});
