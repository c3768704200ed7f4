import { describe, expect, it } from 'vitest';
import { runSync } from '../../../src/run/sync-vm.js';
import { referenceResult } from '../../../src/run/reference.js';
import { script } from '../../../src/guest/workloads/script.js';

/** Exact logdirty counts (docs/design.md, Tracking modes) on hand-made sequences, one vCPU, --epoch-ops N. */
function counts(seq: string, epochOps: number) {
  const ops = seq.trim().split(/\s+/).length;
  const run = runSync({ workload: script, mode: 'logdirty', pages: 16, vcpus: 1, seed: 1, options: { script: seq }, opsPerVcpu: ops, epochOps });
  return run.epochs.slice(1).map((e) => [e.counts.faultsRead, e.counts.faultsWrite, e.counts.dirtyPages]);
}

describe('logdirty exact fault counts', () => {
  const cases: { name: string; seq: string; epochOps: number; want: number[][] }[] = [
    { name: 'a page read then written in one epoch: one read fault, one write fault', seq: 'r0 w0', epochOps: 10, want: [[1, 1, 1]] },
    { name: 'a page written then read: the write fault makes it readable too', seq: 'w0 r0', epochOps: 10, want: [[0, 1, 1]] },
    { name: 'repeated accesses in an epoch fault once', seq: 'r1 r1 w1 w1 r1', epochOps: 10, want: [[1, 1, 1]] },
    { name: 'every epoch drops every entry, so reads fault again', seq: 'r0 r1 r0 r1 r0 w1', epochOps: 2, want: [[2, 0, 0], [2, 0, 0], [1, 1, 1]] },
    { name: 'writes fault again in every epoch', seq: 'w2 w3 w2 w3', epochOps: 2, want: [[0, 2, 2], [0, 2, 2]] },
    { name: 'mixed pages across an epoch boundary', seq: 'r0 w1 r2 | w0 r1 w5', epochOps: 3, want: [[2, 1, 1], [1, 2, 2]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(counts(c.seq.replace('|', ''), c.epochOps)).toEqual(c.want);
    });
  }

  it('the backup image equals the primary and the result equals the reference', () => {
    const seq = 'w0 r1 w2 w0 r3 w3 w9 r9 w15 r0';
    const run = runSync({ workload: script, mode: 'logdirty', pages: 32, vcpus: 2, seed: 3, options: { script: seq }, opsPerVcpu: 10, epochOps: 3 });
    expect(Buffer.compare(run.backup.ram, run.primary.ram8)).toBe(0);
    expect(run.backup.contexts.map((c) => [...c])).toEqual(run.primary.contexts.map((c) => [...c]));
    expect(run.result).toBe(referenceResult({ workload: script, pages: 32, vcpus: 2, seed: 3, options: { script: seq }, opsPerVcpu: [10, 10] }));
    // Epoch 0 sends every page.
    expect(run.epochs[0].image.pfns.length).toBe(32);
  });
});
