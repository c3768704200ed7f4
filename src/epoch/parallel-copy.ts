import { HbftError } from '../base/errors.js';
import {
  CTRL_REQ, CTRL_RESUME_SEQ, REQ_STOP, COPY_CHUNK_PAGES, COPY_JOB_DONE_PAGES, COPY_JOB_NEXT_CHUNK, COPY_JOB_PAGES, COPY_JOB_RELEASED, COPY_JOB_SEQ,
  COPY_JOB_HELPER, COPY_JOB_READY, COPY_JOB_STOP, COPY_JOB_WORDS,
} from '../vm/layout.js';
import { waitAtLeast } from '../vm/ctrl-wait.js';
import type { CopyEngine, Placement } from './copy-engine.js';

const now = () => performance.now();

/**
 * The pause copy split between the checkpointer and copier threads (docs/design.md, Copy
 * engines). The checkpointer posts a job (the pfn list on a shared board, the staging
 * buffer in a message to each copier), then every thread claims chunks of
 * COPY_CHUNK_PAGES pages by compare-exchange on the job's claim word until none is left, so a copier that wakes
 * late, or not at all, only leaves more chunks to the checkpointer.
 */

/** Control words, then room for one pfn per guest page. */
export interface CopyBoard {
  readonly ctrl: Int32Array;
  readonly pfns: Uint32Array;
}

export function allocateCopyBoard(maxPages: number): SharedArrayBuffer {
  return new SharedArrayBuffer((COPY_JOB_WORDS + maxPages) * 4);
}

export function attachCopyBoard(sab: SharedArrayBuffer): CopyBoard {
  return { ctrl: new Int32Array(sab, 0, COPY_JOB_WORDS), pfns: new Uint32Array(sab, COPY_JOB_WORDS * 4) };
}

/** What a copier receives per job: where the pages go. */
export interface CopyJobMessage {
  readonly seq: number;
  /** A staging buffer, or the in-process backup's mirror of guest RAM. */
  readonly dest: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly placement: Placement;
  readonly pages: number;
}

export interface CopyJobPoster {
  postMessage(job: CopyJobMessage): void;
}

export class CopyJobError extends HbftError {
  constructor(message: string) {
    super('COPY_JOB', message);
  }
}

/**
 * NEXT_CHUNK holds the job's tag (its seq, mod 2^17) above the next chunk's index (14
 * bits: 4 GiB of guest RAM is 8,192 chunks), so a claim made for a job that is over,
 * by a thread that read it late, fails instead of taking a chunk of the next one.
 */
const CHUNK_BITS = 14;
const TAG_MASK = 0x1ffff;

/** The claim word of a freshly posted job `seq`: its tag, chunk 0. */
export function firstClaim(seq: number): number {
  return (seq & TAG_MASK) << CHUNK_BITS;
}

/** Put job `seq`'s pfn list and words on the board, before it is posted (its SEQ bump). */
export function stageJob(board: CopyBoard, pfns: Uint32Array, seq: number): void {
  board.pfns.set(pfns);
  Atomics.store(board.ctrl, COPY_JOB_PAGES, pfns.length);
  Atomics.store(board.ctrl, COPY_JOB_NEXT_CHUNK, firstClaim(seq));
  Atomics.store(board.ctrl, COPY_JOB_DONE_PAGES, 0);
}

/** Claim chunks of job `seq` and copy them until none is left; returns the pages this thread copied. */
export function copyClaimedChunks(board: CopyBoard, engine: CopyEngine, dest: Uint8Array, placement: Placement, pages: number, seq: number): number {
  const { ctrl, pfns } = board;
  const tag = seq & TAG_MASK;
  let copied = 0;
  for (;;) {
    const claim = Atomics.load(ctrl, COPY_JOB_NEXT_CHUNK);
    if (claim >>> CHUNK_BITS !== tag) return copied;
    const start = (claim & ((1 << CHUNK_BITS) - 1)) * COPY_CHUNK_PAGES;
    if (start >= pages) return copied;
    if (Atomics.compareExchange(ctrl, COPY_JOB_NEXT_CHUNK, claim, claim + 1) !== claim) continue;
    const end = Math.min(start + COPY_CHUNK_PAGES, pages);
    engine.copyRange(pfns, start, end, dest, placement);
    copied += end - start;
    // The add follows the chunk's plain writes: a thread that reads the total also sees the bytes.
    if (Atomics.add(ctrl, COPY_JOB_DONE_PAGES, end - start) + (end - start) === pages) Atomics.notify(ctrl, COPY_JOB_DONE_PAGES);
  }
}

/**
 * A copy engine that shares copies of at least `thresholdPages` pages with copier
 * threads. Smaller copies, copies into an unshared buffer, and copies posted while a
 * copier still holds the previous job run on the inner engine alone.
 */
export class ParallelCopyEngine implements CopyEngine {
  private posted = 0;
  /** Job releases the copiers owe for every job posted to them so far. */
  private owed = 0;
  /** Copies shared with the copiers, pages the copiers took, and copies run alone because a copier was still busy. */
  split = 0;
  pagesByCopiers = 0;
  busySkips = 0;

  /**
   * `copiersInMirror` false: a parked vCPU's thread helps with mirror copies
   * (helpWhileParked) and no core is left for a copier thread, so a mirror job posted
   * while that thread spins (COPY_JOB_HELPER) goes on the board for it only and wakes no
   * copier (see copiersJoinHelpedCopies).
   */
  constructor(
    private readonly inner: CopyEngine,
    private readonly board: CopyBoard,
    private readonly copiers: readonly CopyJobPoster[],
    readonly thresholdPages: number,
    private readonly timeoutMs = 10_000,
    private readonly copiersInMirror = true,
  ) {}

  get name() {
    return this.inner.name;
  }

  copy(pfns: Uint32Array, dest: Uint8Array, placement: Placement = 'packed'): void {
    const n = pfns.length;
    const ctrl = this.board.ctrl;
    if (n < this.thresholdPages || n > this.board.pfns.length || !(dest.buffer instanceof SharedArrayBuffer) || this.copiers.length === 0) {
      this.inner.copy(pfns, dest, placement);
      return;
    }
    if (Atomics.load(ctrl, COPY_JOB_RELEASED) !== this.owed) {
      this.busySkips++;
      this.inner.copy(pfns, dest, placement);
      return;
    }
    const seq = this.posted + 1;
    stageJob(this.board, pfns, seq);
    // Without a helper spinning (the initial copy, the final one), the copiers join in.
    const engaged = placement === 'packed' || this.copiersInMirror || Atomics.load(ctrl, COPY_JOB_HELPER) === 0;
    if (engaged) {
      const job: CopyJobMessage = { seq, dest: dest.buffer, byteOffset: dest.byteOffset, byteLength: dest.byteLength, placement, pages: n };
      for (const c of this.copiers) c.postMessage(job);
      this.owed += this.copiers.length;
    }
    this.posted = seq;
    // Stored after the job's words and messages: a copier that sees the new seq finds the whole job.
    Atomics.store(ctrl, COPY_JOB_SEQ, seq);
    // A woken thread with no core of its own takes one from a copying thread: the kernel
    // has preempted this thread at this very notify for milliseconds.
    if (engaged) Atomics.notify(ctrl, COPY_JOB_SEQ);
    const mine = copyClaimedChunks(this.board, this.inner, dest, placement, n, seq);
    this.split++;
    this.pagesByCopiers += n - mine;
    this.waitDone(seq, n);
  }

  copyRange(pfns: Uint32Array, from: number, to: number, dest: Uint8Array, placement: Placement = 'packed'): void {
    this.inner.copyRange(pfns, from, to, dest, placement);
  }

  /**
   * Wait until every copier is in its job loop, or `timeoutMs` has passed; true if they
   * all are. Before the guest starts: a copier still starting (a worker takes tens of
   * milliseconds to boot) holds its first job unreleased, and every copy until it
   * arrives runs on the checkpointer alone. A copier that never comes only leaves the
   * copies to this thread, as at any other time.
   */
  awaitCopiers(timeoutMs: number): boolean {
    const n = this.copiers.length;
    return waitAtLeast(this.board.ctrl, COPY_JOB_READY, n, now() + timeoutMs, now) >= n;
  }

  /** Tell the copiers to exit (each at its next wake-up); no copy may follow. */
  close(): void {
    const ctrl = this.board.ctrl;
    Atomics.store(ctrl, COPY_JOB_STOP, 1);
    // After STOP: a copier woken by this bump reads STOP before it looks for a job.
    Atomics.add(ctrl, COPY_JOB_SEQ, 1);
    Atomics.notify(ctrl, COPY_JOB_SEQ);
  }

  private waitDone(seq: number, pages: number): void {
    const done = waitAtLeast(this.board.ctrl, COPY_JOB_DONE_PAGES, pages, now() + this.timeoutMs, now);
    if (done < pages) throw new CopyJobError(`copy job ${seq}: copiers finished ${done} of ${pages} pages in ${this.timeoutMs} ms`);
  }
}

/**
 * Whether copier threads take part in mirror copies that the parked vCPU's thread helps
 * with: only if the checkpointer, that thread and every copier each have a core. On 2
 * cores they do not: a third copying thread only time-slices with the other two, and a
 * slice it loses while holding a chunk holds up the pause's end.
 */
export function copiersJoinHelpedCopies(cores: number, copiers: number): boolean {
  return cores >= 2 + copiers;
}

/**
 * A copier thread's loop: wait for a job, copy claimed chunks into its destination,
 * release it; until STOP. `receive` returns the job's message (posted before the seq
 * bump, so it is there). Returns the number of jobs served.
 */
export function runCopier(board: CopyBoard, engine: CopyEngine, receive: () => CopyJobMessage | undefined): number {
  const c = board.ctrl;
  let seen = 0;
  let served = 0;
  Atomics.add(c, COPY_JOB_READY, 1);
  Atomics.notify(c, COPY_JOB_READY);
  for (;;) {
    Atomics.wait(c, COPY_JOB_SEQ, seen);
    if (Atomics.load(c, COPY_JOB_STOP) === 1) return served;
    const seq = Atomics.load(c, COPY_JOB_SEQ);
    if (seq === seen) continue;
    seen = seq;
    // A job with no message is the parked vCPU's alone (ParallelCopyEngine, copiersInMirror).
    const job = receive();
    if (job === undefined) continue;
    // The message may be a newer job's than the seq we read (posted, seq not yet stored):
    // its words are on the board already. An older one is a lost job.
    if (job.seq < seq) throw new CopyJobError(`copier: job ${seq} came without its message (got ${job.seq})`);
    seen = job.seq;
    // The message's string is a fresh copy; the engines were compiled comparing with the literal.
    const placement: Placement = job.placement === 'mirror' ? 'mirror' : 'packed';
    copyClaimedChunks(board, engine, new Uint8Array(job.dest, job.byteOffset, job.byteLength), placement, job.pages, job.seq);
    served++;
    // After this copier's last chunk: the checkpointer posts no job until every copier has released this one.
    Atomics.add(c, COPY_JOB_RELEASED, 1);
  }
}

/**
 * The last vCPU to park lends its thread to the pause: it spins, still on its own CPU,
 * and claims chunks of every copy job posted until the resume. A copier thread woken by
 * a futex is placed by the kernel, and here often on the checkpointer's own CPU, where
 * it adds nothing; the parked vCPU's thread already runs on the other one. Only for a
 * mirror destination (the in-process backup), which needs no job message; a claim
 * carries its job's tag, so a late one fails rather than take a chunk of the next job.
 * Claims the posted job at least once (so a test can drive it in one thread); returns
 * the pages this thread copied.
 */
export function helpWhileParked(
  board: CopyBoard, engine: CopyEngine, mirror: Uint8Array, ctrl: Int32Array, resumeSeq: number, seenJob: number,
): { pages: number; seenJob: number } {
  let pages = 0;
  let seen = seenJob;
  // Announced, so the checkpointer leaves the copier threads asleep (ParallelCopyEngine).
  Atomics.store(board.ctrl, COPY_JOB_HELPER, 1);
  do {
    const seq = Atomics.load(board.ctrl, COPY_JOB_SEQ);
    // SEQ is stored after the job's words, so PAGES is this job's.
    if (seq !== seen && Atomics.load(board.ctrl, COPY_JOB_STOP) === 0) {
      seen = seq;
      pages += copyClaimedChunks(board, engine, mirror, 'mirror', Atomics.load(board.ctrl, COPY_JOB_PAGES), seq);
    }
  } while (Atomics.load(ctrl, CTRL_RESUME_SEQ) === resumeSeq && (Atomics.load(ctrl, CTRL_REQ) & REQ_STOP) === 0);
  Atomics.store(board.ctrl, COPY_JOB_HELPER, 0);
  return { pages, seenJob: seen };
}
