import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { workerPath } from '../base/worker-path.js';
import { createCopyEngine, type CopyEngineName } from './copy-engine.js';
import { allocateCopyBoard, attachCopyBoard, ParallelCopyEngine } from './parallel-copy.js';
import { PAGE_SIZE } from '../vm/layout.js';

/** What workers/copier.ts is started with. */
export interface CopierWorkerData {
  readonly board: SharedArrayBuffer;
  readonly ram: SharedArrayBuffer;
  readonly copy: CopyEngineName;
  readonly jobs: MessagePort;
  /** Names the thread (copier-N) in profiles. */
  readonly index: number;
}

export interface CopierThreads {
  readonly engine: ParallelCopyEngine;
  /** Resolves once every copier thread runs (copies before that run on the caller alone). */
  readonly online: Promise<void>;
  /** Sends STOP; resolves once every copier thread has exited (rejects on a crash). */
  stop(): Promise<void>;
}

/**
 * Starts `count` copier threads, each with its own engine of the same kind (so per-page
 * still maps per batch and superpage keeps its regions, per thread), and the engine that
 * shares copies of at least `thresholdPages` pages with them. `inMirrorCopies` false:
 * they stay out of mirror copies, which a parked vCPU's thread helps with instead.
 */
export function startCopierThreads(
  count: number, ram: SharedArrayBuffer, copy: CopyEngineName, thresholdPages: number,
  board: SharedArrayBuffer = allocateCopyBoard(ram.byteLength / PAGE_SIZE), inMirrorCopies = true,
): CopierThreads {
  const ports: MessagePort[] = [];
  const exits: Promise<void>[] = [];
  const onlines: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const ch = new MessageChannel();
    ports.push(ch.port1);
    const data: CopierWorkerData = { board, ram, copy, jobs: ch.port2, index: i };
    const w = new Worker(workerPath('copier'), { workerData: data, transferList: [ch.port2], name: `copier-${i}` });
    onlines.push(new Promise((resolve) => w.once('online', () => resolve())));
    exits.push(new Promise((resolve, reject) => {
      w.once('error', reject);
      w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`copier-${i} exited with code ${code}`))));
    }));
  }
  const engine = new ParallelCopyEngine(createCopyEngine(copy, ram), attachCopyBoard(board), ports, thresholdPages, undefined, inMirrorCopies);
  return {
    engine,
    online: Promise.all(onlines).then(() => undefined),
    async stop() {
      engine.close();
      try {
        await Promise.all(exits);
      } finally {
        for (const p of ports) p.close();
      }
    },
  };
}
