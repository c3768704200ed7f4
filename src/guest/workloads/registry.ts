import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Workload } from './define.js';
import { gups } from './gups.js';
import { hotcold } from './hotcold.js';
import { kv } from './kv.js';
import { matmul } from './matmul.js';
import { ptrchase } from './ptrchase.js';
import { kvserver } from './kvserver.js';
import { script } from './script.js';
import { seqwrite } from './seqwrite.js';
import { sort } from './sort.js';
import { stream } from './stream.js';
import { traceWorkload } from './trace/trace-workload.js';
import { HbftError, type HbftErrorOptions } from '../../base/errors.js';

/**
 * Built-in workloads; `script` is the hand-made sequence used by exact-count tests,
 * `trace` replays a lackey file (--trace) and `kvserver` serves clients (--serve), so
 * none of them is a standard workload.
 */
export const BUILTIN_WORKLOADS: Readonly<Record<string, Workload>> = {
  seqwrite, stream, gups, hotcold, ptrchase, kv, sort, matmul, script, trace: traceWorkload, kvserver,
};

/** The workloads `npm start` and `--workloads all` run. */
export const STANDARD_WORKLOADS = ['seqwrite', 'stream', 'gups', 'hotcold', 'ptrchase', 'kv', 'sort', 'matmul'] as const;

export function isCustomWorkload(name: string): boolean {
  return name.startsWith('.') || name.startsWith('/');
}

/** A built-in by name, or a module path exporting a defineWorkload() result. */
export async function loadWorkload(name: string): Promise<Workload> {
  if (!isCustomWorkload(name)) {
    const w = BUILTIN_WORKLOADS[name];
    if (w === undefined) throw new WorkloadError(`unknown workload "${name}"`);
    return w;
  }
  let mod: { default?: Workload; workload?: Workload };
  try {
    mod = (await import(pathToFileURL(resolve(name)).href)) as typeof mod;
  } catch (e) {
    throw new WorkloadError(`workload module ${name}: cannot import: ${(e as Error).message}`, { cause: e });
  }
  const w = mod.default ?? mod.workload;
  if (w === undefined || typeof w.step !== 'function') {
    throw new WorkloadError(`workload module ${name}: export default defineWorkload({...})`);
  }
  return w;
}

/** A workload that cannot be found or loaded: the name or module the caller gave. */
export class WorkloadError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('WORKLOAD', message, { input: true, ...options });
  }
}
