import { describe, expect, it } from 'vitest';
import {
  ParallelCopyEngine, allocateCopyBoard, attachCopyBoard, copiersJoinHelpedCopies, copyClaimedChunks, firstClaim, helpWhileParked, type CopyJobMessage,
} from '../../../src/epoch/parallel-copy.js';
import { createCopyEngine, type CopyEngine } from '../../../src/epoch/copy-engine.js';
import {
  COPY_CHUNK_PAGES, COPY_JOB_DONE_PAGES, COPY_JOB_HELPER, COPY_JOB_NEXT_CHUNK, COPY_JOB_PAGES, COPY_JOB_READY, COPY_JOB_SEQ, CTRL_GLOBAL_WORDS, CTRL_RESUME_SEQ,
  PAGE_SIZE,
} from '../../../src/vm/layout.js';

const PAGES = 1024;

function setup() {
  const ram = new SharedArrayBuffer(PAGES * PAGE_SIZE);
  const words = new Uint32Array(ram);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i + 1, 2654435761) >>> 0;
  const board = attachCopyBoard(allocateCopyBoard(PAGES));
  const pfns = Uint32Array.from({ length: 600 }, (_, i) => i * 1 + (i >> 3));
  board.pfns.set(pfns);
  return { ram, board, pfns, engine: createCopyEngine('per-page', ram) };
}

/** Post job `seq` on the board as the checkpointer does (words first, SEQ last). */
function post(board: ReturnType<typeof attachCopyBoard>, seq: number, pages: number): void {
  Atomics.store(board.ctrl, COPY_JOB_PAGES, pages);
  Atomics.store(board.ctrl, COPY_JOB_NEXT_CHUNK, firstClaim(seq));
  Atomics.store(board.ctrl, COPY_JOB_DONE_PAGES, 0);
  Atomics.store(board.ctrl, COPY_JOB_SEQ, seq);
}

describe('the parked vCPU helping with the pause copy', () => {
  it('claims every chunk of the posted job into the mirror, then leaves at the resume', () => {
    const { ram, board, pfns, engine } = setup();
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_GLOBAL_WORDS * 4));
    post(board, 1, pfns.length);
    const mirror = new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE));
    // The resume has already happened (RESUME_SEQ 1, the helper parked at 0): one pass.
    Atomics.store(ctrl, CTRL_RESUME_SEQ, 1);
    const out = helpWhileParked(board, engine, mirror, ctrl, 0, 0);
    expect(out).toEqual({ pages: pfns.length, seenJob: 1 });
    expect(Atomics.load(board.ctrl, COPY_JOB_DONE_PAGES)).toBe(pfns.length);
    const guest = new Uint8Array(ram);
    for (const p of [pfns[0]!, pfns[599]!]) expect(Buffer.compare(mirror.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), guest.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE))).toBe(0);
    // A job it has seen is not claimed again.
    expect(helpWhileParked(board, engine, mirror, ctrl, 0, 1).pages).toBe(0);
  });

  it('a claim for a job that is over fails instead of taking a chunk of the next one', () => {
    const { board, pfns, engine } = setup();
    const dest = new Uint8Array(PAGES * PAGE_SIZE);
    post(board, 7, pfns.length);
    // A thread that read job 7 late, after job 8 was posted, claims nothing.
    post(board, 8, 200);
    expect(copyClaimedChunks(board, engine, dest, 'mirror', pfns.length, 7)).toBe(0);
    expect(Atomics.load(board.ctrl, COPY_JOB_NEXT_CHUNK)).toBe(firstClaim(8));
    expect(copyClaimedChunks(board, engine, dest, 'mirror', 200, 8)).toBe(200);
    expect(Atomics.load(board.ctrl, COPY_JOB_NEXT_CHUNK)).toBe(firstClaim(8) + Math.ceil(200 / COPY_CHUNK_PAGES));
    // Tags wrap at 2^17 jobs; the claim word stays a positive Int32.
    expect(firstClaim(2 ** 17 - 1)).toBeGreaterThan(0);
    expect(firstClaim(2 ** 17)).toBe(0);
  });
});

describe('waiting for the copiers before the guest starts', () => {
  it('returns true once every copier has reported, false when one never does', () => {
    const { board, engine } = setup();
    const posters = [{ postMessage() {} }, { postMessage() {} }];
    const parallel = new ParallelCopyEngine(engine, board, posters, 1024);
    Atomics.store(board.ctrl, COPY_JOB_READY, 1);
    const t0 = performance.now();
    expect(parallel.awaitCopiers(40)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    Atomics.add(board.ctrl, COPY_JOB_READY, 1);
    expect(parallel.awaitCopiers(10_000)).toBe(true);
  });
});

describe('mirror copies the parked vCPU helps with', () => {
  it('go on the board for it alone: no message and no wake-up for a copier, which packed copies still get', () => {
    const { ram, board, pfns, engine } = setup();
    const sent: number[] = [];
    const copier = { postMessage: (job: CopyJobMessage) => sent.push(job.seq) };
    const parallel = new ParallelCopyEngine(engine, board, [copier], 512, 1000, false);
    const mirror = new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE));
    // The parked vCPU is spinning (helpWhileParked announces itself).
    Atomics.store(board.ctrl, COPY_JOB_HELPER, 1);
    parallel.copy(pfns, mirror, 'mirror');
    expect(sent).toEqual([]);
    // Posted all the same, for the helper (the caller copied every chunk here).
    expect(Atomics.load(board.ctrl, COPY_JOB_SEQ)).toBe(1);
    expect(parallel.split).toBe(1);
    const want = new Uint8Array(PAGES * PAGE_SIZE);
    engine.copy(pfns, want, 'mirror');
    expect(Buffer.compare(mirror, want)).toBe(0);
    // No copier owes this job a release: the next copy is shared too.
    const staging = new Uint8Array(new SharedArrayBuffer(pfns.length * PAGE_SIZE));
    parallel.copy(pfns, staging);
    expect(sent).toEqual([2]);
    expect(parallel.busySkips).toBe(0);
    // Job 2 went to the copier, which has not released it: the next copy runs alone.
    parallel.copy(pfns, mirror, 'mirror');
    expect(parallel.busySkips).toBe(1);
  });

  it('go to the copiers when no parked vCPU is spinning (the initial copy, the final one)', () => {
    const { board, pfns, engine } = setup();
    const sent: number[] = [];
    const parallel = new ParallelCopyEngine(engine, board, [{ postMessage: (job: CopyJobMessage) => sent.push(job.seq) }], 512, 1000, false);
    parallel.copy(pfns, new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE)), 'mirror');
    expect(sent).toEqual([1]);
  });

  it('a parked vCPU announces itself while it helps, and withdraws at the resume', () => {
    const { board, pfns, engine } = setup();
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_GLOBAL_WORDS * 4));
    post(board, 1, pfns.length);
    const mirror = new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE));
    // What the word says while it copies each chunk.
    const during: number[] = [];
    const watching: CopyEngine = {
      name: engine.name,
      copy: (...a) => engine.copy(...a),
      copyRange: (...a) => { during.push(Atomics.load(board.ctrl, COPY_JOB_HELPER)); engine.copyRange(...a); },
    };
    // The resume has already happened (RESUME_SEQ 1, the helper parked at 0): one pass.
    Atomics.store(ctrl, CTRL_RESUME_SEQ, 1);
    expect(helpWhileParked(board, watching, mirror, ctrl, 0, 0).pages).toBe(pfns.length);
    expect(during).toEqual(Array(Math.ceil(pfns.length / COPY_CHUNK_PAGES)).fill(1));
    expect(Atomics.load(board.ctrl, COPY_JOB_HELPER)).toBe(0);
  });

  it('copier threads join them only where each copying thread has a core', () => {
    expect(copiersJoinHelpedCopies(2, 1)).toBe(false);
    expect(copiersJoinHelpedCopies(3, 1)).toBe(true);
    expect(copiersJoinHelpedCopies(4, 2)).toBe(true);
    expect(copiersJoinHelpedCopies(4, 3)).toBe(false);
  });
});
