import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  REF_MODES, dbitCounts, logdirtyCounts, nativeCounts, referenceCounts, refOpsFromLackey, refPageCount, rfrCounts,
  totalCounts, wfpLastCounts, type RefEpoch, type RefMode, type RefOp,
} from '../../../../helpers/reference-counts.js';

const r = (page: number): RefOp => [{ page, write: false }];
const w = (page: number): RefOp => [{ page, write: true }];

// Pick the per-epoch fields a hand computation states.
const faults = (es: RefEpoch[]) => es.map((e) => [e.readFaults, e.writeFaults]);
const dirty = (es: RefEpoch[]) => es.map((e) => e.dirtyPages);

describe('reference counts on hand-made sequences', () => {
  it('logdirty: a page read then written in one epoch is one read fault and one write fault', () => {
    const es = logdirtyCounts([r(0), w(0)], 10);
    expect(faults(es)).toEqual([[1, 1]]);
    expect(dirty(es)).toEqual([[0]]);
  });

  // Seven operations, epochs of N = 2: e0 = [w0 r1], e1 = [r0 w1], e2 = [w0 w2], e3 = [r1] (partial).
  const SEQ = [w(0), r(1), r(0), w(1), w(0), w(2), r(1)];

  it('splits operations into epochs [kN, (k+1)N), the last one partial', () => {
    expect(logdirtyCounts(SEQ, 2).map((e) => e.ops)).toEqual([2, 2, 2, 1]);
    expect(logdirtyCounts(SEQ, 7).map((e) => e.ops)).toEqual([7]);
    expect(logdirtyCounts([], 2)).toEqual([]);
    expect(() => logdirtyCounts(SEQ, 0)).toThrow(RangeError);
  });

  it('logdirty counts first access per epoch', () => {
    // e0: 0 first written (no read fault), 1 first read -> 1 read fault; written {0}.
    // e1: entries dropped; 0 first read, 1 first written -> 1 read fault; written {1}.
    // e2: 0 and 2 first written -> 0 read faults; written {0, 2}.
    // e3: 1 first read -> 1 read fault; nothing written.
    const es = logdirtyCounts(SEQ, 2);
    expect(faults(es)).toEqual([[1, 1], [1, 1], [0, 2], [1, 0]]);
    expect(dirty(es)).toEqual([[0], [1], [0, 2], []]);
  });

  it('rfr read-faults only a first access ever that is a read', () => {
    // First accesses ever: 0 by a write (e0), 1 by a read (e0), 2 by a write (e2).
    // Write faults are the written pages of each epoch, as in logdirty.
    expect(faults(rfrCounts(SEQ, 2))).toEqual([[1, 1], [0, 1], [0, 2], [0, 0]]);
  });

  it('dbit and pml fault each page once ever, by the kind of its first access', () => {
    // e0: 0 first ever by a write (write fault), 1 by a read (read fault).
    // e1: w1 hits P|W installed by the read fault: D set without a fault.
    // e2: w0 sets D without a fault (P|W stays); 2 first ever by a write (write fault).
    const es = dbitCounts(SEQ, 2);
    expect(faults(es)).toEqual([[1, 1], [0, 0], [0, 1], [0, 0]]);
    expect(dirty(es)).toEqual([[0], [1], [0, 2], []]);
    expect(es.map((e) => e.dirtyBitSets)).toEqual([0, 1, 1, 0]);
    expect(referenceCounts('pml', SEQ, 2)).toEqual(es);
  });

  it('wfp with predictor last: Predicted(e) = Dirty(e-1)', () => {
    // e0 = [w0 w1]: predicted {}, dirty {0,1}: 2 write faults (misses), no hits.
    // e1 = [w0 r1]: predicted {0,1}, dirty {0}: 0 write faults, 1 hit (0), 1 wasted (1).
    // e2 = [w0 w2]: predicted {0}, dirty {0,2}: 1 write fault (2), 1 hit (0), 0 wasted.
    // Read faults as rfr: every page's first access ever is a write, so none.
    const es = wfpLastCounts([w(0), w(1), w(0), r(1), w(0), w(2)], 2);
    expect(faults(es)).toEqual([[0, 2], [0, 0], [0, 1]]);
    expect(es.map((e) => [e.predicted, e.hits, e.wasted, e.misses])).toEqual([[0, 0, 0, 2], [2, 1, 1, 0], [1, 1, 0, 1]]);
    expect(dirty(es)).toEqual([[0, 1], [0], [0, 2]]);
  });

  it('wfp: a page predicted but not written (wasted) write-faults when written the epoch after', () => {
    // e0 = [w0 w1]: dirty {0,1}. e1 = [w0 r1]: predicted {0,1}, dirty {0}, 1 wasted.
    // e2 = [w0 w1]: predicted {0}; 1 is not predicted, so its write is a fault (a miss),
    // even though the e1 prediction had made it writable.
    const es = wfpLastCounts([w(0), w(1), w(0), r(1), w(0), w(1)], 2);
    expect(es.map((e) => [e.writeFaults, e.hits, e.wasted])).toEqual([[2, 0, 0], [0, 1, 1], [1, 1, 0]]);
    expect(dirty(es)).toEqual([[0, 1], [0], [0, 1]]);
  });

  it('native takes no faults and keeps no dirty set', () => {
    const es = nativeCounts(SEQ, 2);
    expect(faults(es)).toEqual([[0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(dirty(es)).toEqual([[], [], [], []]);
  });

  it('reads lackey text: crossing accesses touch both pages, M reads all then writes all', () => {
    const text = ['==7== banner', 'I  00400000,4', ' M 00001ffe,4', ' S 00002ffc,8', ' L 00001000,1'].join('\n');
    // Host pages 0x1 -> 0, 0x2 -> 1, 0x3 -> 2 (the I line is dropped before numbering).
    expect(refOpsFromLackey(text, false)).toEqual([
      [{ page: 0, write: false }, { page: 1, write: false }, { page: 0, write: true }, { page: 1, write: true }],
      [{ page: 1, write: true }, { page: 2, write: true }],
      [{ page: 0, write: false }],
    ]);
    // One epoch under logdirty: 0 and 1 first read by the M (2 read faults), 2 first written;
    // written {0, 1, 2}: 3 write faults.
    expect(faults(logdirtyCounts(refOpsFromLackey(text, false), 10))).toEqual([[2, 3]]);
    expect(refOpsFromLackey(text, true)[0]).toEqual([{ page: 0, write: false }]);
  });
});

// A second, mechanical model: the shadow-entry rules of docs/design.md (Access path, Tracking modes) applied access by
// access. The set formulas of the helper must agree with it on every epoch of real traces.
const P = 1;
const W = 2;
const D = 4;
const PWD = P | W | D;

function simulate(mode: Exclude<RefMode, 'native'>, ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  const spt = new Map<number, number>();
  const out: RefEpoch[] = [];
  let lastDirty = new Set<number>();
  let lastPredicted = new Set<number>();
  for (let start = 0, epoch = 0; start < ops.length; start += epochOps, epoch++) {
    if (mode === 'logdirty') spt.clear();
    if (mode === 'rfr' || mode === 'wfp') for (const p of lastDirty) spt.set(p, spt.get(p)! & ~(W | D));
    // wfp must also revoke W on last epoch's wasted predictions: "as rfr" alone would
    // leave them writable, so a write to one would take no fault although it is not in
    // Predicted(e), and a harvest of D over Predicted(e) only would lose it.
    if (mode === 'wfp') for (const p of lastPredicted) spt.set(p, spt.get(p)! & ~(W | D));
    const predicted = mode === 'wfp' ? lastDirty : new Set<number>();
    for (const p of predicted) spt.set(p, (spt.get(p)! | P | W) & ~D);
    if (mode === 'dbit' || mode === 'pml') for (const [p, e] of spt) spt.set(p, e & ~D);
    let readFaults = 0;
    let writeFaults = 0;
    let dirtyBitSets = 0;
    // pml: the log index runs 511 down to 0 from the drain at the epoch start; a log with
    // it out of range exits and is retried after the drain.
    let pmlIndex = 511;
    let pmlFull = 0;
    const bitmap = new Set<number>();
    const end = Math.min(ops.length, start + epochOps);
    for (let i = start; i < end; i++) {
      for (const { page, write } of ops[i]) {
        const e = spt.get(page) ?? 0;
        if (!write) {
          if (!(e & P)) {
            readFaults++;
            spt.set(page, e | (mode === 'dbit' || mode === 'pml' ? P | W : P));
          }
        } else if ((e & PWD) === PWD) {
          // fast path
        } else if (e & W) {
          dirtyBitSets++;
          if (pmlIndex < 0) {
            pmlFull++;
            pmlIndex = 511;
          }
          pmlIndex--;
          spt.set(page, e | D);
        } else {
          writeFaults++;
          spt.set(page, PWD);
          bitmap.add(page);
        }
      }
    }
    const dirtySet = new Set(bitmap);
    for (const [p, e] of spt) if (e & D) dirtySet.add(p);
    let hits = 0;
    for (const p of predicted) if (dirtySet.has(p)) hits++;
    const isWfp = mode === 'wfp';
    const isDbit = mode === 'dbit' || mode === 'pml';
    out.push({
      epoch,
      ops: end - start,
      readFaults,
      writeFaults,
      dirtyPages: [...dirtySet].sort((a, b) => a - b),
      predicted: isWfp ? predicted.size : 0,
      hits: isWfp ? hits : 0,
      wasted: isWfp ? predicted.size - hits : 0,
      misses: isWfp ? writeFaults : 0,
      dirtyBitSets: isDbit ? dirtyBitSets : 0,
      pmlFull: mode === 'pml' ? pmlFull : 0,
    });
    lastDirty = dirtySet;
    lastPredicted = predicted;
  }
  return out;
}

const FIXTURES = ['qsort-hash', 'coreutils-sort', 'gzip'] as const;
type Fixture = (typeof FIXTURES)[number];
const fixtureOps = new Map<Fixture, RefOp[]>();
function opsOf(name: Fixture): RefOp[] {
  let ops = fixtureOps.get(name);
  if (ops === undefined) {
    ops = refOpsFromLackey(gunzipSync(readFileSync(`test/fixtures/traces/${name}.lackey.gz`)).toString('utf8'), false);
    fixtureOps.set(name, ops);
  }
  return ops;
}

// Totals over the shipped fixtures (no ifetch) with --epoch-ops 1000, as [read faults,
// write faults, dirty pages summed over epochs, hits, wasted]. A regression anchor for
// the tracking-mode engineer; re-recording a fixture changes them.
const EPOCH_OPS = 1000;
const PINNED: Record<Fixture, Record<'logdirty' | 'rfr' | 'wfp' | 'dbit', [number, number, number, number, number]>> = {
  'qsort-hash': { logdirty: [329, 380, 380, 0, 0], rfr: [29, 380, 380, 0, 0], wfp: [29, 56, 380, 324, 52], dbit: [29, 11, 380, 0, 0] },
  'coreutils-sort': { logdirty: [1275, 636, 636, 0, 0], rfr: [48, 636, 636, 0, 0], wfp: [48, 27, 636, 609, 16], dbit: [48, 5, 636, 0, 0] },
  gzip: { logdirty: [934, 309, 309, 0, 0], rfr: [68, 309, 309, 0, 0], wfp: [68, 93, 309, 216, 92], dbit: [68, 31, 309, 0, 0] },
};

describe('reference counts on the shipped fixtures', () => {
  for (const name of FIXTURES) {
    it(`${name}: the set formulas agree with a shadow-entry simulation, epoch by epoch`, () => {
      const ops = opsOf(name);
      for (const n of [EPOCH_OPS, 7_919]) {
        for (const mode of REF_MODES) {
          if (mode === 'native') continue;
          expect(referenceCounts(mode, ops, n), `${name} ${mode} N=${n}`).toEqual(simulate(mode, ops, n));
        }
      }
    });

    it(`${name}: counts relate across modes as docs/design.md, Tracking modes says`, () => {
      const ops = opsOf(name);
      const pages = refPageCount(ops);
      const [native, logdirty, rfr, wfp, dbit] = (['native', 'logdirty', 'rfr', 'wfp', 'dbit'] as const).map((m) =>
        referenceCounts(m, ops, EPOCH_OPS),
      );
      expect(native.reduce((s, e) => s + e.ops, 0)).toBe(ops.length);
      expect(totalCounts(native)).toMatchObject({ readFaults: 0, writeFaults: 0, dirty: 0 });
      for (let k = 0; k < logdirty.length; k++) {
        expect(rfr[k].writeFaults).toBe(logdirty[k].writeFaults);
        expect(rfr[k].readFaults).toBeLessThanOrEqual(logdirty[k].readFaults);
        expect(wfp[k].readFaults).toBe(rfr[k].readFaults);
        expect(dbit[k].readFaults).toBe(rfr[k].readFaults);
        expect(wfp[k].hits + wfp[k].misses).toBe(wfp[k].dirtyPages.length);
        expect(wfp[k].predicted).toBe(k === 0 ? 0 : wfp[k - 1].dirtyPages.length);
        expect(dbit[k].writeFaults).toBeLessThanOrEqual(rfr[k].writeFaults);
        // Tracking changes cost, never content: every mode sees the same dirty sets.
        for (const es of [rfr, wfp, dbit]) expect(es[k].dirtyPages).toEqual(logdirty[k].dirtyPages);
      }
      const d = totalCounts(dbit);
      expect(d.readFaults + d.writeFaults).toBe(pages); // each page faults once ever
    });

    it(`${name}: pinned totals at --epoch-ops ${EPOCH_OPS}`, () => {
      const ops = opsOf(name);
      for (const mode of ['logdirty', 'rfr', 'wfp', 'dbit'] as const) {
        const t = totalCounts(referenceCounts(mode, ops, EPOCH_OPS));
        expect([t.readFaults, t.writeFaults, t.dirty, t.hits, t.wasted], `${name} ${mode}`).toEqual(PINNED[name][mode]);
      }
    });
  }
});
