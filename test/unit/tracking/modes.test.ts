import { gunzipSync } from 'node:zlib';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync, type SyncRun } from '../../../src/run/sync-vm.js';
import { TRACKED_MODES, type TrackedMode } from '../../../src/tracking/policy.js';
import { script } from '../../../src/guest/workloads/script.js';
import { traceWorkload } from '../../../src/guest/workloads/trace/trace-workload.js';
import { STANDARD_WORKLOADS, BUILTIN_WORKLOADS } from '../../../src/guest/workloads/registry.js';
import { referenceCounts, refOpsFromLackey, type RefOp } from '../../helpers/reference-counts.js';

const TRACES = join(import.meta.dirname, '../../fixtures/traces');

/** Per-epoch [read faults, write faults, dirty pages], for wfp [hits, wasted, misses], for pml log-full exits. */
function emulated(run: SyncRun, mode: TrackedMode): number[][] {
  return run.epochs.slice(1).map(({ counts: c }) => [
    c.faultsRead, c.faultsWrite, c.dirtyPages,
    ...(mode === 'wfp' ? [c.predictor!.hits, c.predictor!.wasted, c.predictor!.misses] : []),
    ...(mode === 'pml' ? [c.faultsPmlFull] : []),
  ]);
}

function reference(mode: TrackedMode, ops: readonly RefOp[], epochOps: number): number[][] {
  return referenceCounts(mode, ops, epochOps).map((e) => [
    e.readFaults, e.writeFaults, e.dirtyPages.length, ...(mode === 'wfp' ? [e.hits, e.wasted, e.misses] : []),
    ...(mode === 'pml' ? [e.pmlFull] : []),
  ]);
}

function scriptOps(seq: string): RefOp[] {
  return seq.trim().split(/\s+/).map((t) => [{ page: Number(t.slice(1)), write: t[0] === 'w' }]);
}

function runScript(mode: TrackedMode, seq: string, epochOps: number): SyncRun {
  return runSync({
    workload: script, mode, pages: 64, vcpus: 1, seed: 1, options: { script: seq },
    opsPerVcpu: seq.trim().split(/\s+/).length, epochOps,
  });
}

describe('exact counts of every tracking mode (docs/design.md, Tracking modes), by hand', () => {
  // r0 w0 | r0 w1 | r1 r0 | w0 w2, epochs of 2 operations.
  const seq = 'r0 w0 r0 w1 r1 r0 w0 w2';
  const byHand: Record<TrackedMode, number[][]> = {
    // every entry dropped each epoch
    logdirty: [[1, 1, 1], [1, 1, 1], [2, 0, 0], [0, 2, 2]],
    // P kept: only first-ever reads fault; every written page write-faults
    rfr: [[1, 1, 1], [0, 1, 1], [0, 0, 0], [0, 2, 2]],
    // predicted = last dirty set: {0}, {1}, {}; epoch 2's write to 1 is a hit (no fault)
    wfp: [[1, 1, 1, 0, 0, 1], [0, 1, 1, 0, 1, 1], [0, 0, 0, 0, 1, 0], [0, 2, 2, 0, 0, 2]],
    // one fault per page ever, by its first access
    dbit: [[1, 0, 1], [0, 1, 1], [0, 0, 0], [0, 1, 2]],
    pml: [[1, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0], [0, 1, 2, 0]],
  };
  for (const mode of TRACKED_MODES) {
    it(`${mode}: ${seq}`, () => {
      expect(emulated(runScript(mode, seq, 2), mode)).toEqual(byHand[mode]);
    });
  }

  it('wfp: a predicted page written takes no fault and is still copied', () => {
    const run = runScript('wfp', 'w5 w5 w5 w5', 1);
    expect(emulated(run, 'wfp')).toEqual([[0, 1, 1, 0, 0, 1], [0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0]]);
    for (const e of run.epochs.slice(1)) expect([...e.image.pfns]).toEqual([5]);
  });
});

describe('pml log-full exits as Intel hardware takes them', () => {
  // Epoch 1 maps pages 0..n-1 by write faults (D set by the fault, nothing logged); epoch
  // 2 writes them again: n D bits set, n logs, an exit on the 513th and the 1,025th.
  const byHand: [number, number][] = [[511, 0], [512, 0], [513, 1], [1024, 1], [1025, 2]];
  for (const [n, exits] of byHand) {
    it(`${n} pages dirtied in one epoch: ${exits} log-full exit${exits === 1 ? '' : 's'}`, () => {
      const pass = Array.from({ length: n }, (_, p) => `w${p}`).join(' ');
      const seq = `${pass} ${pass}`;
      const run = runSync({ workload: script, mode: 'pml', pages: 1100, vcpus: 1, seed: 1, options: { script: seq }, opsPerVcpu: 2 * n, epochOps: n });
      expect(emulated(run, 'pml')).toEqual([[0, n, n, 0], [0, 0, n, exits]]);
      expect(reference('pml', scriptOps(seq), n)).toEqual([[0, n, n, 0], [0, 0, n, exits]]);
      expect([...run.epochs[2].image.pfns]).toEqual(Array.from({ length: n }, (_, p) => p));
    });
  }
});

describe('exact counts against the independent reference', () => {
  it('seeded random sequences, every mode, several epoch lengths', () => {
    let x = 12345;
    const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let trial = 0; trial < 20; trial++) {
      const seq = Array.from({ length: 60 }, () => `${rand(3) === 0 ? 'w' : 'r'}${rand(12)}`).join(' ');
      const epochOps = 1 + rand(9);
      for (const mode of TRACKED_MODES) {
        expect(emulated(runScript(mode, seq, epochOps), mode), `${mode} ${epochOps} ${seq}`).toEqual(reference(mode, scriptOps(seq), epochOps));
      }
    }
  });

  const traces = readdirSync(TRACES).filter((f) => f.endsWith('.lackey.gz'));
  for (const file of traces) {
    it(`trace ${file}: every mode, --epoch-ops 1000`, () => {
      const path = join(TRACES, file);
      const ops = refOpsFromLackey(gunzipSync(readFileSync(path)).toString('latin1'), false);
      for (const mode of TRACKED_MODES) {
        const run = runSync({ workload: traceWorkload, mode, pages: 512, vcpus: 1, seed: 1, options: { trace: path }, opsPerVcpu: ops.length, epochOps: 1000 });
        expect(emulated(run, mode), mode).toEqual(reference(mode, ops, 1000));
      }
    });
  }
});

describe('tracking changes cost, never content', () => {
  for (const workload of [...STANDARD_WORKLOADS, 'script'] as const) {
    it(`${workload}: every mode and copy engine sends the backup the same epochs as logdirty`, () => {
      const options = workload === 'script' ? { script: 'r0 w1 w2 r3 w3 w9 r1 w1 w0 w12 r12 w4' } : {};
      const base = { workload: BUILTIN_WORKLOADS[workload], pages: 64, vcpus: 2, seed: 9, options, opsPerVcpu: 4000, epochOps: 700 };
      const ref = runSync({ ...base, mode: 'logdirty' });
      for (const mode of TRACKED_MODES) {
        for (const copy of ['per-page', 'superpage'] as const) {
          const run = runSync({ ...base, mode, copy, predictor: mode === 'wfp' ? 'spatial:2' : undefined });
          expect(run.epochs.length).toBe(ref.epochs.length);
          run.epochs.forEach((e, i) => {
            const want = ref.epochs[i].image;
            expect([...e.image.pfns], `${mode}/${copy} epoch ${i}`).toEqual([...want.pfns]);
            expect(Buffer.compare(e.image.pages, want.pages), `${mode}/${copy} epoch ${i} pages`).toBe(0);
            expect(e.image.contexts.map((c) => [...c])).toEqual(want.contexts.map((c) => [...c]));
          });
          expect(run.result).toBe(ref.result);
          expect(Buffer.compare(run.backup.ram, run.primary.ram8)).toBe(0);
        }
      }
    });
  }
});
