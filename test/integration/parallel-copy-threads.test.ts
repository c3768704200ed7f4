import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { workerPath } from '../../src/base/worker-path.js';
import { resolveRunConfig } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';
import { InprocLink } from '../../src/link/backup-link.js';
import { startCopierThreads, type CopierThreads, type CopierWorkerData } from '../../src/epoch/copier-threads.js';
import { COPY_ENGINES, createCopyEngine } from '../../src/epoch/copy-engine.js';
import { allocateCopyBoard, attachCopyBoard, firstClaim, type CopyJobMessage } from '../../src/epoch/parallel-copy.js';
import {
  COPY_CHUNK_PAGES, COPY_JOB_DONE_PAGES, COPY_JOB_NEXT_CHUNK, COPY_JOB_PAGES, COPY_JOB_RELEASED, COPY_JOB_SEQ,
  COPY_SPLIT_MIN_PAGES, PAGE_SIZE, SUPERPAGE_PAGES,
} from '../../src/vm/layout.js';

const PAGES = SUPERPAGE_PAGES * 6 + 13; // 12 MiB and a partial last region

function seededRam(): SharedArrayBuffer {
  const ram = new SharedArrayBuffer(PAGES * PAGE_SIZE);
  const w = new Uint32Array(ram);
  for (let i = 0; i < w.length; i++) w[i] = Math.imul(i + 1, 2654435761) >>> 0;
  return ram;
}

/** A sorted pfn list of exactly n distinct pages: scattered, or in runs of up to 64. */
function pfnList(n: number, seed: number, runs: boolean): Uint32Array {
  if (n > PAGES) throw new RangeError(`pfnList: ${n} pages of ${PAGES}`);
  let x = seed >>> 0;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  const set = new Set<number>();
  while (set.size < n) {
    const start = Math.floor(next() * PAGES);
    const len = runs ? 1 + Math.floor(next() * 64) : 1;
    for (let k = 0; k < len && set.size < n && start + k < PAGES; k++) set.add(start + k);
  }
  return Uint32Array.from(set).sort();
}

// Around the split threshold and chunk edges, odd sizes, and every page.
const SIZES = [1, COPY_SPLIT_MIN_PAGES - 1, COPY_SPLIT_MIN_PAGES, COPY_SPLIT_MIN_PAGES + 1, COPY_CHUNK_PAGES * 17 - 1,
  COPY_CHUNK_PAGES * 17, COPY_CHUNK_PAGES * 17 + 1, 2999, 3001, PAGES - 1, PAGES];

const running: CopierThreads[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
});

describe('parallel copy with real copier threads', () => {
  const ram = seededRam();
  for (const copy of COPY_ENGINES) {
    for (const threads of [1, 2]) {
      it(`${copy}, ${threads} copier(s): staging is byte-identical to the single-thread copy`, { timeout: 60_000 }, async () => {
        const copiers = startCopierThreads(threads, ram, copy, COPY_SPLIT_MIN_PAGES);
        running.push(copiers);
        const alone = createCopyEngine(copy, ram);
        let trial = 0;
        for (const n of SIZES) {
          for (const runs of [false, true]) {
            const pfns = pfnList(n, 1000 + trial++, runs);
            const want = new Uint8Array(n * PAGE_SIZE);
            alone.copy(pfns, want);
            // Offset into a larger shared buffer, as the staging pool hands out.
            const got = new Uint8Array(new SharedArrayBuffer((n + 3) * PAGE_SIZE), PAGE_SIZE, n * PAGE_SIZE);
            copiers.engine.copy(pfns, got);
            expect(Buffer.compare(got, want), `${n} pages, ${runs ? 'runs' : 'scattered'}`).toBe(0);
            expect(got.buffer.byteLength === (n + 3) * PAGE_SIZE && new Uint8Array(got.buffer, 0, PAGE_SIZE).every((b) => b === 0)).toBe(true);
          }
        }
        const large = SIZES.filter((n) => n >= COPY_SPLIT_MIN_PAGES).length * 2;
        expect(copiers.engine.split + copiers.engine.busySkips).toBe(large);
        running.splice(running.indexOf(copiers), 1);
        await copiers.stop();
      });
    }
  }

  it('the checkpointer can wait for its copiers to be warmed up and in their job loop', { timeout: 60_000 }, async () => {
    const copiers = startCopierThreads(2, ram, 'superpage', COPY_SPLIT_MIN_PAGES);
    running.push(copiers);
    expect(copiers.engine.awaitCopiers(50_000)).toBe(true);
    const pfns = pfnList(3001, 4, false);
    const want = new Uint8Array(pfns.length * PAGE_SIZE);
    createCopyEngine('superpage', ram).copy(pfns, want);
    const got = new Uint8Array(new SharedArrayBuffer(pfns.length * PAGE_SIZE));
    copiers.engine.copy(pfns, got);
    expect(Buffer.compare(got, want)).toBe(0);
    expect(copiers.engine.split).toBe(1);
    running.splice(running.indexOf(copiers), 1);
    await copiers.stop();
  });

  it('a mirror of guest RAM is shared with the copiers and ends equal to the single-thread mirror copy', { timeout: 60_000 }, async () => {
    const copiers = startCopierThreads(1, ram, 'per-page', COPY_SPLIT_MIN_PAGES);
    running.push(copiers);
    const alone = createCopyEngine('per-page', ram);
    const want = new Uint8Array(PAGES * PAGE_SIZE);
    const got = new Uint8Array(new SharedArrayBuffer(PAGES * PAGE_SIZE));
    for (const [i, n] of [COPY_SPLIT_MIN_PAGES, 3001, PAGES].entries()) {
      const pfns = pfnList(n, 77 + i, i === 1);
      alone.copy(pfns, want, 'mirror');
      copiers.engine.copy(pfns, got, 'mirror');
      expect(Buffer.compare(got, want), `${n} pages`).toBe(0);
    }
    expect(copiers.engine.split + copiers.engine.busySkips).toBe(3);
    running.splice(running.indexOf(copiers), 1);
    await copiers.stop();
  });

  it('an unshared staging buffer is copied on the checkpointer alone, byte-identical', { timeout: 30_000 }, async () => {
    const copiers = startCopierThreads(1, ram, 'superpage', COPY_SPLIT_MIN_PAGES);
    running.push(copiers);
    const pfns = pfnList(3000, 5, false);
    const want = new Uint8Array(pfns.length * PAGE_SIZE);
    createCopyEngine('superpage', ram).copy(pfns, want);
    const got = new Uint8Array(pfns.length * PAGE_SIZE);
    copiers.engine.copy(pfns, got);
    expect(Buffer.compare(got, want)).toBe(0);
    expect(copiers.engine.split).toBe(0);
    running.splice(running.indexOf(copiers), 1);
    await copiers.stop();
  });

  it('a copier alone copies a whole job when the poster claims nothing, then releases it (staging, then a mirror)', { timeout: 30_000 }, async () => {
    const boardSab = allocateCopyBoard(PAGES);
    const board = attachCopyBoard(boardSab);
    const ch = new MessageChannel();
    const data: CopierWorkerData = { board: boardSab, ram, copy: 'per-page', jobs: ch.port2, index: 0 };
    const w = new Worker(workerPath('copier'), { workerData: data, transferList: [ch.port2] });
    const exited = new Promise<number>((resolve, reject) => { w.once('exit', resolve); w.once('error', reject); });
    await new Promise((resolve) => w.once('online', resolve));
    const pfns = pfnList(3001, 9, true);
    board.pfns.set(pfns);
    Atomics.store(board.ctrl, COPY_JOB_PAGES, pfns.length);
    Atomics.store(board.ctrl, COPY_JOB_NEXT_CHUNK, firstClaim(1));
    const staging = new SharedArrayBuffer(pfns.length * PAGE_SIZE);
    ch.port1.postMessage({ seq: 1, dest: staging, byteOffset: 0, byteLength: staging.byteLength, placement: 'packed', pages: pfns.length } satisfies CopyJobMessage);
    Atomics.store(board.ctrl, COPY_JOB_SEQ, 1);
    Atomics.notify(board.ctrl, COPY_JOB_SEQ);
    const deadline = Date.now() + 20_000;
    // Waits without blocking this thread's event loop (the worker's start may need it).
    while (Atomics.load(board.ctrl, COPY_JOB_RELEASED) !== 1 && Date.now() < deadline) await Atomics.waitAsync(board.ctrl, COPY_JOB_RELEASED, 0, 50).value;
    expect(Atomics.load(board.ctrl, COPY_JOB_RELEASED)).toBe(1);
    expect(Atomics.load(board.ctrl, COPY_JOB_DONE_PAGES)).toBe(pfns.length);
    // Every chunk claimed once, under job 1's tag; no claim past the last.
    expect(Atomics.load(board.ctrl, COPY_JOB_NEXT_CHUNK)).toBe(firstClaim(1) + Math.ceil(pfns.length / COPY_CHUNK_PAGES));
    const want = new Uint8Array(pfns.length * PAGE_SIZE);
    createCopyEngine('per-page', ram).copy(pfns, want);
    expect(Buffer.compare(new Uint8Array(staging), want)).toBe(0);
    // The same job into a mirror of guest RAM: each page lands at its own pfn.
    Atomics.store(board.ctrl, COPY_JOB_NEXT_CHUNK, firstClaim(2));
    Atomics.store(board.ctrl, COPY_JOB_DONE_PAGES, 0);
    const mirror = new SharedArrayBuffer(PAGES * PAGE_SIZE);
    ch.port1.postMessage({ seq: 2, dest: mirror, byteOffset: 0, byteLength: mirror.byteLength, placement: 'mirror', pages: pfns.length } satisfies CopyJobMessage);
    Atomics.store(board.ctrl, COPY_JOB_SEQ, 2);
    Atomics.notify(board.ctrl, COPY_JOB_SEQ);
    while (Atomics.load(board.ctrl, COPY_JOB_RELEASED) !== 2 && Date.now() < deadline) await Atomics.waitAsync(board.ctrl, COPY_JOB_RELEASED, 1, 50).value;
    expect(Atomics.load(board.ctrl, COPY_JOB_DONE_PAGES)).toBe(pfns.length);
    const wantMirror = new Uint8Array(PAGES * PAGE_SIZE);
    createCopyEngine('per-page', ram).copy(pfns, wantMirror, 'mirror');
    expect(Buffer.compare(new Uint8Array(mirror), wantMirror)).toBe(0);
    // A job without a message is the parked vCPU's alone: the copier leaves it, and
    // serves the next job that comes with one.
    Atomics.store(board.ctrl, COPY_JOB_NEXT_CHUNK, firstClaim(3));
    Atomics.store(board.ctrl, COPY_JOB_SEQ, 3);
    Atomics.notify(board.ctrl, COPY_JOB_SEQ);
    Atomics.store(board.ctrl, COPY_JOB_NEXT_CHUNK, firstClaim(4));
    Atomics.store(board.ctrl, COPY_JOB_DONE_PAGES, 0);
    ch.port1.postMessage({ seq: 4, dest: mirror, byteOffset: 0, byteLength: mirror.byteLength, placement: 'mirror', pages: pfns.length } satisfies CopyJobMessage);
    Atomics.store(board.ctrl, COPY_JOB_SEQ, 4);
    Atomics.notify(board.ctrl, COPY_JOB_SEQ);
    while (Atomics.load(board.ctrl, COPY_JOB_RELEASED) !== 3 && Date.now() < deadline) await Atomics.waitAsync(board.ctrl, COPY_JOB_RELEASED, 2, 50).value;
    expect(Atomics.load(board.ctrl, COPY_JOB_RELEASED)).toBe(3);
    expect(Atomics.load(board.ctrl, COPY_JOB_DONE_PAGES)).toBe(pfns.length);
    // A message older than the job posted is a lost job, which the copier reports by crashing.
    ch.port1.postMessage({ seq: 5, dest: mirror, byteOffset: 0, byteLength: mirror.byteLength, placement: 'mirror', pages: pfns.length } satisfies CopyJobMessage);
    Atomics.store(board.ctrl, COPY_JOB_SEQ, 6);
    Atomics.notify(board.ctrl, COPY_JOB_SEQ);
    await expect(exited).rejects.toThrow(/job 6 came without its message \(got 5\)/);
    ch.port1.close();
  });

  for (const [opt, mirror] of [[{ mode: 'logdirty' }, false], [{ opt: 'all' }, false], [{ opt: 'all' }, true]] as const) {
    const into = mirror ? 'copies land in the backup\'s mirror' : 'shared staging reaches main and back';
    it(`a run with 2 copier threads (${'mode' in opt ? opt.mode : 'opt all'}) keeps a verified backup: ${into}`, { timeout: 120_000 }, async () => {
      // gups at 8 MiB dirties most of its 2,048 pages per 4,000-update epoch: every copy above the split threshold.
      const cfg = resolveRunConfig({ workload: 'gups', ...opt, mem: '8MiB', ops: '24000', 'epoch-ops': '4000', verify: true, 'copy-threads': '2' });
      const { results: r, pause } = await runVm(cfg, { link: new InprocLink(cfg.pages, cfg.vcpus, null, null, mirror) });
      pause.destroy();
      expect(r.backup.consistent).toBe(true);
      expect(r.workload.verified).toBe(true);
      expect(r.config.copyThreads).toBe(2);
      expect(r.dirtyPages.perEpoch.max).toBeGreaterThanOrEqual(COPY_SPLIT_MIN_PAGES);
    });
  }

  it('after stop() no handle is left: a process that used copier threads exits by itself', { timeout: 60_000 }, async () => {
    const mod = join(import.meta.dirname, '../../dist/src/epoch/copier-threads.js');
    const script = `
      const { startCopierThreads } = await import(${JSON.stringify(pathToFileURL(mod).href)});
      const ram = new SharedArrayBuffer(4096 * 4096);
      new Uint8Array(ram).fill(7);
      const c = startCopierThreads(2, ram, 'superpage', 1024);
      const pfns = Uint32Array.from({ length: 3000 }, (_, i) => i);
      const staging = new Uint8Array(new SharedArrayBuffer(3000 * 4096));
      for (let i = 0; i < 5; i++) c.engine.copy(pfns, staging);
      await c.stop();
      console.log('copied', staging.every((b) => b === 7), c.engine.split + c.engine.busySkips);`;
    const out = await new Promise<string>((resolve, reject) => {
      const dir = mkdtempSync(join(tmpdir(), 'hbft-copier-'));
      const file = join(dir, 'exit.mjs');
      writeFileSync(file, script);
      execFile(process.execPath, [file], { timeout: 45_000 }, (err, stdout, stderr) => {
        rmSync(dir, { recursive: true });
        if (err) reject(new Error(`${err.message} ${stderr}`));
        else resolve(stdout);
      });
    });
    expect(out.trim()).toBe('copied true 5');
  });
});
