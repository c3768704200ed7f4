import { Worker, type Transferable } from 'node:worker_threads';
import type { ThreadMessage } from './protocol.js';
import { workerPath } from '../base/worker-path.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

export class ThreadError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('THREAD', message, options);
  }
}

/**
 * The run's long-lived threads. Every message goes to one handler; the first error or
 * unexpected exit of any thread fails the whole set, naming the thread.
 */
export class ThreadSet {
  private readonly live = new Map<string, Worker>();
  private failed = false;
  private settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private readonly done: Promise<void>;

  constructor(private readonly onMessage: (role: string, m: ThreadMessage) => void, private readonly onFail: () => void) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  spawn(role: string, file: 'vcpu' | 'tracker' | 'checkpointer', workerData: unknown, transferList: Transferable[] = []): void {
    const w = new Worker(workerPath(file), { workerData, name: role, transferList });
    this.live.set(role, w);
    w.on('message', (m: ThreadMessage) => {
      if (this.failed) return;
      try {
        this.onMessage(role, m);
      } catch (e) {
        this.fail(role, e as Error);
      }
    });
    w.on('error', (e) => this.fail(role, e));
    w.on('exit', (code) => {
      this.live.delete(role);
      if (code !== 0 && !this.failed) this.fail(role, new Error(`exited with code ${code}`));
      else if (this.live.size === 0 && !this.failed) this.settle!.resolve();
    });
  }

  /** Resolves once every thread has exited cleanly. */
  whenAllExited(): Promise<void> {
    return this.done;
  }

  fail(role: string, e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onFail();
    for (const w of this.live.values()) void w.terminate();
    this.settle!.reject(new ThreadError(`${role}: ${e.message}`, { cause: e }));
  }
}
