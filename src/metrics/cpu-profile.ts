import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

export class CpuProfileError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('CPU_PROFILE', message, options);
  }
}

export interface CpuProfiler {
  /** Stops sampling and writes `<dir>/<role>.cpuprofile`; returns the path. */
  stop(): Promise<string>;
}

/**
 * Starts V8's sampling profiler on the calling thread (main or a worker) through an
 * inspector session on that same thread. Sampling runs on V8's own profiler thread, so a
 * busy synchronous loop (the vCPU) is sampled like any other code.
 */
export async function startCpuProfile(dir: string, role: string): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const path = join(dir, `${role}.cpuprofile`);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, JSON.stringify(profile));
      } catch (e) {
        throw new CpuProfileError(`cpu profile ${role}: write ${path}: ${(e as Error).message}`, { cause: e });
      }
      return path;
    },
  };
}

/** The sourceURL prefix `hbft profile` looks for in each isolate log. */
export const PROF_MARKER_PREFIX = 'hbft-thread';

/**
 * Under `node --prof` each thread writes an isolate log whose name says nothing of the
 * thread. V8 logs the source of every script it compiles, so compiling one tiny function
 * whose sourceURL names the role puts that name in this thread's own log and no other.
 */
export function markThreadForProf(role: string): void {
  if (!process.execArgv.includes('--prof')) return;
  const mark = new Function(`return 0;\n//# sourceURL=${PROF_MARKER_PREFIX}/${role}`) as () => number;
  mark();
}
