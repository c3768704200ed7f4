import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { COPY_ENGINES, type CopyEngineName } from '../checkpoint/copy-engine.js';
import { PAGE_SIZE } from '../memory/layout.js';
import { MODES, type Mode } from '../tracking/policy.js';
import { PredictorError, createPredictor } from '../tracking/predictors.js';
import { BUILTIN_WORKLOADS, isCustomWorkload } from '../workloads/registry.js';
import { ConfigError } from './config-error.js';
import { parseCount, parseDuration, parseSize } from './units.js';

/** Every option of a run, validated and filled: inner code never sees undefined. */
export interface ResolvedConfig {
  readonly workload: string;
  readonly mode: Mode;
  readonly vcpus: number;
  readonly memBytes: number;
  readonly pages: number;
  /** Exactly one of epochMs and epochOps is set. */
  readonly epochMs: number | null;
  readonly epochOps: number | null;
  /** Exactly one of durationMs and opsPerVcpu is set. */
  readonly durationMs: number | null;
  readonly opsPerVcpu: number | null;
  readonly seed: number;
  readonly verify: boolean;
  readonly json: string | null;
  readonly stepOps: number;
  readonly spin: number;
  /** Who services a fault: the tracker thread, or the faulting vCPU itself (see FAULT_PATHS). */
  readonly faultPath: FaultPath;
  readonly copy: CopyEngineName;
  readonly predictor: string;
  readonly pauseTimeoutMs: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

export const RUN_DEFAULTS = {
  workload: 'seqwrite',
  mode: 'logdirty' as Mode,
  vcpus: 1,
  mem: '256MiB',
  epochMs: 25, // Remus' 40 checkpoints per second
  durationMs: 5000,
  seed: 1,
  stepOps: 1024,
  copy: 'per-page' as CopyEngineName,
  // Measured best (hit rate and throughput on gups, hotcold, kv; README): a wasted grant
  // costs a D-bit check at the checkpoint, a miss costs a fault, so over-predicting pays.
  predictor: 'history:8:1',
  pauseTimeoutMs: 5000,
  /** A faulting vCPU's spin for the tracker's answer when the busy threads fit the cores,
   * before it takes the fault back: about 2 us here (about 10 ns an iteration); the awake
   * tracker answers in well under 1 us. */
  spinWhenFree: 200,
} as const;

const MAX_MEM = 4 * 2 ** 30;

/** `--fault-path`: the tracker thread (the design's fault handler) or the faulting vCPU. */
export const FAULT_PATHS = ['tracker', 'inline'] as const;
export type FaultPath = (typeof FAULT_PATHS)[number];

/** `--opt all`: the paper's full configuration (rfr + wfp + software superpage). */
export const OPT_PRESETS: Readonly<Record<string, { mode: Mode; copy: CopyEngineName }>> = {
  all: { mode: 'wfp', copy: 'superpage' },
};

function checkPredictor(spec: string, pages: number): string {
  try {
    createPredictor(spec, pages);
  } catch (e) {
    if (e instanceof PredictorError) throw new ConfigError('--predictor', e.message);
    throw e;
  }
  return spec;
}

export const RUN_FLAGS = {
  workload: { type: 'string' },
  mode: { type: 'string' },
  vcpus: { type: 'string' },
  mem: { type: 'string' },
  'epoch-ms': { type: 'string' },
  'epoch-ops': { type: 'string' },
  duration: { type: 'string' },
  ops: { type: 'string' },
  seed: { type: 'string' },
  verify: { type: 'boolean' },
  json: { type: 'string' },
  'step-ops': { type: 'string' },
  spin: { type: 'string' },
  'fault-path': { type: 'string' },
  copy: { type: 'string' },
  predictor: { type: 'string' },
  'pause-timeout-ms': { type: 'string' },
  script: { type: 'string' },
  opt: { type: 'string' },
  trace: { type: 'string' },
  ifetch: { type: 'boolean' },
} as const;

export type RunFlagValues = { [K in keyof typeof RUN_FLAGS]?: (typeof RUN_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** Parse argv (after the command) with node:util parseArgs; unknown flags are ConfigErrors. */
export function parseFlags<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(
  argv: readonly string[], flags: T,
): { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: true });
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(-[^']+)'/.exec(msg)?.[1] ?? 'arguments';
    throw new ConfigError(flag, msg.split('\n')[0].replace(/\. To specify.*$/, ''));
  }
}

export function resolveRunConfig(v: RunFlagValues): ResolvedConfig {
  const workload = v.workload ?? RUN_DEFAULTS.workload;
  if (!isCustomWorkload(workload) && !(workload in BUILTIN_WORKLOADS)) {
    throw new ConfigError('--workload', `unknown workload "${workload}" (one of ${Object.keys(BUILTIN_WORKLOADS).join(', ')}, or ./path/to/module.js)`);
  }
  const opt = v.opt === undefined ? null : OPT_PRESETS[v.opt];
  if (opt === undefined) throw new ConfigError('--opt', `unknown preset "${v.opt}" (one of ${Object.keys(OPT_PRESETS).join(', ')})`);
  if (opt !== null && v.mode !== undefined && v.mode !== opt.mode) throw new ConfigError('--opt', `--opt ${v.opt} means --mode ${opt.mode}; drop --mode ${v.mode}`);
  const mode = (v.mode ?? opt?.mode ?? RUN_DEFAULTS.mode) as Mode;
  if (!MODES.includes(mode)) throw new ConfigError('--mode', `unknown mode "${mode}" (one of ${MODES.join(', ')})`);
  const copy = (v.copy ?? opt?.copy ?? RUN_DEFAULTS.copy) as CopyEngineName;
  if (!COPY_ENGINES.includes(copy)) throw new ConfigError('--copy', `unknown copy engine "${copy}" (one of ${COPY_ENGINES.join(', ')})`);
  const vcpus = v.vcpus === undefined ? RUN_DEFAULTS.vcpus : parseCount('--vcpus', v.vcpus, 1, 64);
  const memBytes = parseSize('--mem', v.mem ?? RUN_DEFAULTS.mem);
  if (memBytes === 0 || memBytes % PAGE_SIZE !== 0) {
    throw new ConfigError('--mem', `${v.mem} is not a whole number of ${PAGE_SIZE}-byte pages`);
  }
  if (memBytes > MAX_MEM) throw new ConfigError('--mem', `at most ${MAX_MEM / 2 ** 30} GiB`);
  const pages = memBytes / PAGE_SIZE;
  if (pages < vcpus) throw new ConfigError('--mem', `${pages} pages cannot be shared by ${vcpus} vCPUs`);
  if (v['epoch-ms'] !== undefined && v['epoch-ops'] !== undefined) throw new ConfigError('--epoch-ops', 'give --epoch-ms or --epoch-ops, not both');
  if (v.duration !== undefined && v.ops !== undefined) throw new ConfigError('--ops', 'give --duration or --ops, not both');
  const epochOps = v['epoch-ops'] === undefined ? null : parseCount('--epoch-ops', v['epoch-ops'], 1);
  const epochMs = epochOps !== null ? null : v['epoch-ms'] === undefined ? RUN_DEFAULTS.epochMs : parseCount('--epoch-ms', v['epoch-ms'], 1, 60_000);
  const opsPerVcpu = v.ops === undefined ? null : parseCount('--ops', v.ops, 1);
  const durationMs = opsPerVcpu !== null ? null : v.duration === undefined ? RUN_DEFAULTS.durationMs : parseDuration('--duration', v.duration);
  const tracked = mode !== 'native';
  // Spinning only pays when every busy thread (vCPUs + tracker) has a core (DESIGN 3).
  const busy = vcpus + (tracked ? 1 : 0);
  const fits = busy <= availableParallelism();
  const spin = v.spin !== undefined ? parseCount('--spin', v.spin, 0) : fits ? RUN_DEFAULTS.spinWhenFree : 0;
  // Without a core of its own the tracker can neither spin nor answer in time: each vCPU
  // then runs the handler itself (measured: bench/README.md, fault service with 2 vCPUs).
  const faultPath = (v['fault-path'] ?? (fits || !tracked ? 'tracker' : 'inline')) as FaultPath;
  if (!FAULT_PATHS.includes(faultPath)) throw new ConfigError('--fault-path', `unknown fault path "${faultPath}" (one of ${FAULT_PATHS.join(', ')})`);
  const options: Record<string, string | number | boolean> = {};
  if (v.script !== undefined) options.script = v.script;
  if (workload === 'script' && options.script === undefined) throw new ConfigError('--script', 'the script workload needs --script "r0 w0 ..."');
  if (v.trace !== undefined) options.trace = checkTraceFile(v.trace);
  if (v.ifetch !== undefined) options.ifetch = v.ifetch;
  if (workload === 'trace' && options.trace === undefined) throw new ConfigError('--trace', 'the trace workload needs --trace FILE (valgrind lackey output, plain or .gz)');
  return {
    workload, mode, vcpus, memBytes, pages, epochMs, epochOps, durationMs, opsPerVcpu,
    seed: v.seed === undefined ? RUN_DEFAULTS.seed : parseCount('--seed', v.seed, 0, 0xffffffff),
    verify: v.verify ?? false,
    json: v.json ?? null,
    stepOps: v['step-ops'] === undefined ? RUN_DEFAULTS.stepOps : parseCount('--step-ops', v['step-ops'], 1, 1 << 24),
    spin, faultPath, copy,
    predictor: checkPredictor(v.predictor ?? RUN_DEFAULTS.predictor, pages),
    pauseTimeoutMs: v['pause-timeout-ms'] === undefined ? RUN_DEFAULTS.pauseTimeoutMs : parseCount('--pause-timeout-ms', v['pause-timeout-ms'], 1),
    options,
  };
}

/** The trace path if it names a readable file; checked here so a typo fails before any thread starts. */
function checkTraceFile(path: string): string {
  if (path.length === 0) throw new ConfigError('--trace', 'empty path');
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError('--trace', code === 'ENOENT' ? `no such file ${path}` : `cannot stat ${path}: ${(e as Error).message}`);
  }
  if (!isFile) throw new ConfigError('--trace', `${path} is not a file`);
  return path;
}
