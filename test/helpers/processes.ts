// Real `hbft` processes for integration tests: output collected, lines awaited as
// events (never sleeps), and every child killed at the end of the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');

export interface Proc {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` on stdout+stderr; rejects if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
}

const live = new Set<ChildProcess>();

export function hbftProc(...args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] = [];
  const p: Proc = {
    child, out: '', err: '',
    exited: new Promise((resolve) => child.once('close', (code, signal) => {
      live.delete(child);
      for (const w of waiters.splice(0)) w.reject(new Error(`process exited (${code ?? signal}) before ${w.re}: ${p.err}`));
      resolve({ code, signal });
    })),
    waitFor(re) {
      const m = re.exec(p.out + p.err);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => waiters.push({ re, resolve, reject }));
    },
  };
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = waiters[i]!.re.exec(p.out + p.err);
      if (m) waiters.splice(i, 1)[0]!.resolve(m);
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { p.out += s; check(); });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { p.err += s; check(); });
  return p;
}

export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

/** Starts `hbft backup` on a free loopback port and waits for its listening line. */
export async function startBackup(...extra: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = hbftProc('backup', '--listen', '127.0.0.1:0', '--json', '-', ...extra);
  const m = await proc.waitFor(/listening on [^:\s]+:(\d+)/);
  return { proc, port: Number(m[1]) };
}

export function reportOf(p: Proc): Record<string, any> {
  return JSON.parse(p.out.slice(p.out.indexOf('{')));
}

/** A loopback TCP port free at the time of asking (tests that need a fixed --serve port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
