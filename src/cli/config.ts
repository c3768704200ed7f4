import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { COPY_ENGINES, type CopyEngineName } from '../epoch/copy-engine.js';
import { COPY_SPLIT_MIN_PAGES, MAX_COPY_THREADS, PAGE_SIZE } from '../vm/layout.js';
import { MODES, type Mode } from '../tracking/policy.js';
import { PredictorError, createPredictor } from '../tracking/predictors.js';
import { BUILTIN_WORKLOADS, isCustomWorkload, STANDARD_WORKLOADS } from '../guest/workloads/registry.js';
import { TraceFormatError } from '../guest/workloads/trace/lackey.js';
import { sniffLackeyFile } from '../guest/workloads/trace/trace-file.js';
import { ConfigError } from '../base/errors.js';
import { COPY_AT, FAULT_PATHS, OPT_PRESETS, RUN_DEFAULTS, type CopyAt, type FaultPath, type ResolvedConfig } from '../config/run-config.js';
import { jsonTarget } from './common-flags.js';
import { parseFlagGroups, type FlagTable, type FlagValues, type ParsedFlags } from './flags.js';
import { parseCount, parseDuration, parseSize } from './units.js';

export { FAULT_PATHS, OPT_PRESETS, RUN_DEFAULTS, type FaultPath, type ResolvedConfig } from '../config/run-config.js';

const MAX_MEM = 4 * 2 ** 30;

function checkPredictor(spec: string, pages: number): string {
  try {
    createPredictor(spec, pages);
  } catch (e) {
    if (e instanceof PredictorError) throw new ConfigError('--predictor', e.message);
    throw e;
  }
  return spec;
}

/** `hbft run` flags that shape the run; one entry per flag: type, default shown in help, meaning. */
export const RUN_FLAGS = {
  workload: { type: 'string', value: 'W', default: RUN_DEFAULTS.workload, help: `a built-in (${STANDARD_WORKLOADS.join(', ')}), script (needs --script), trace (needs --trace), kvserver (needs --serve), or ./my-workload.js` },
  mode: { type: 'string', value: 'M', default: RUN_DEFAULTS.mode, help: `tracking mode: ${MODES.join(', ')}` },
  opt: { type: 'string', value: 'PRESET', default: 'none', help: "all: the paper's full configuration, --mode wfp --copy superpage" },
  copy: { type: 'string', value: 'E', default: RUN_DEFAULTS.copy, help: 'copy engine: per-page (a mapping per batch of at most 1,024 pages, made and dropped every epoch) or superpage (2 MiB regions mapped once, runs of adjacent dirty pages copied in one operation)' },
  'copy-threads': { type: 'string', value: 'N', default: '1 with 2+ cores, else 0', help: `copier threads that share each pause copy of at least ${COPY_SPLIT_MIN_PAGES} pages with the checkpointer, 0 to ${MAX_COPY_THREADS}; into the in-process backup the last vCPU to park copies too, and copier threads join in only where each has a core of its own` },
  'copy-at': { type: 'string', value: 'WHEN', default: 'pause', help: 'when dirty pages are copied: pause (the guest waits for the copy, as in Remus) or background (copy-before-write: the pause write-protects the dirty pages, the guest resumes, and a page is copied before its first write; in-process backup only)' },
  predictor: { type: 'string', value: 'P', default: RUN_DEFAULTS.predictor, help: "wfp's write-set predictor: last (Dirty(e-1), the reference for exact counts), history:K:M (dirty in M of the last K epochs), spatial:W (also neighbours within W pages)" },
  vcpus: { type: 'string', value: 'N', default: String(RUN_DEFAULTS.vcpus), help: 'vCPU threads, 1 to 64; each works on its own equal slice of guest RAM' },
  mem: { type: 'string', value: 'SIZE', default: RUN_DEFAULTS.mem, help: 'guest RAM, a whole number of 4 KiB pages (KiB/MiB/GiB), at most 4 GiB' },
  'epoch-ms': { type: 'string', value: 'N', default: String(RUN_DEFAULTS.epochMs), help: 'timer epochs: a checkpoint every N ms' },
  'epoch-ops': { type: 'string', value: 'N', default: 'none', help: 'deterministic epochs of N operations per vCPU (instead of --epoch-ms)' },
  duration: { type: 'string', value: 'T', default: `${RUN_DEFAULTS.durationMs / 1000}s`, help: 'run time (ms, s, m; a bare number is seconds)' },
  ops: { type: 'string', value: 'N', default: 'none', help: 'operations per vCPU (instead of --duration)' },
  seed: { type: 'string', value: 'S', default: String(RUN_DEFAULTS.seed), help: 'workload seed, 0 to 4294967295' },
  script: { type: 'string', value: 'OPS', default: 'none', help: 'the access sequence --workload script runs, e.g. "r0 w0 r1"' },
  trace: { type: 'string', value: 'FILE', default: 'none', help: 'the valgrind lackey log (plain or .gz) --workload trace replays (required with it; docs/traces.md)' },
  ifetch: { type: 'boolean', default: 'off', help: 'trace replay: also replay I lines (instruction fetches) as loads' },
  verify: { type: 'boolean', default: 'off', help: "after every commit, check the backup image equals the primary's paused state page by page; compare the result with an unchecked reference run" },
  json: { type: 'string', value: 'PATH|-', default: 'none', help: 'results JSON (schema in the README) to PATH, or to stdout with -; with a path, the pause histogram goes to PATH.pause.hgrm' },
  'step-ops': { type: 'string', value: 'N', default: String(RUN_DEFAULTS.stepOps), help: 'most operations between two looks at the pause flag; steps shrink (to 16) while they take longer than 50 us, so a pause is not held up by a fault-heavy step' },
  spin: { type: 'string', value: 'N', default: `${RUN_DEFAULTS.spinWhenFree} or 0`, help: 'iterations a faulting vCPU waits for the tracker before taking the fault back and handling it itself; 0 when vCPUs + tracker outnumber the cores (the tracker then never spins)' },
  'fault-path': { type: 'string', value: 'P', default: 'tracker or inline', help: 'who handles a fault: tracker (the tracker thread, awake while the guest runs and faults keep coming) or inline (the faulting vCPU runs the same handler under a lock); inline when vCPUs + tracker outnumber the cores (docs/design.md, Fault service)' },
  'exit-cost': { type: 'string', value: 'US', default: '0', help: "a modelled VM exit and entry, in µs (0 to 100, fractions allowed), charged to the faulting vCPU on every fault on top of servicing it, as a hypervisor's trap costs; 0 charges only what the emulator spends (docs/design.md, Fault service)" },
  'pause-timeout-ms': { type: 'string', value: 'N', default: String(RUN_DEFAULTS.pauseTimeoutMs), help: 'how long a pause waits for every vCPU to park before the run fails naming the late vCPU' },
} as const satisfies FlagTable;

export type RunFlagValues = FlagValues<typeof RUN_FLAGS>;

/** Parse argv (after the command) against one flag table; unknown flags are ConfigErrors. */
export function parseFlags(argv: readonly string[], flags: FlagTable): { values: ParsedFlags; positionals: string[] } {
  return parseFlagGroups(argv, [{ title: 'Options', table: flags }]);
}

export function resolveRunConfig(v: RunFlagValues): ResolvedConfig {
  const workload = v.workload ?? RUN_DEFAULTS.workload;
  if (!isCustomWorkload(workload) && !(workload in BUILTIN_WORKLOADS)) {
    throw new ConfigError('--workload', `unknown workload "${workload}" (one of ${Object.keys(BUILTIN_WORKLOADS).join(', ')}, or ./path/to/module.js)`);
  }
  if (isCustomWorkload(workload)) checkFile('--workload', workload);
  const opt = v.opt === undefined ? null : OPT_PRESETS[v.opt];
  if (opt === undefined) throw new ConfigError('--opt', `unknown preset "${v.opt}" (one of ${Object.keys(OPT_PRESETS).join(', ')})`);
  if (opt !== null && v.mode !== undefined && v.mode !== opt.mode) throw new ConfigError('--opt', `--opt ${v.opt} means --mode ${opt.mode}; drop --mode ${v.mode}`);
  const mode = (v.mode ?? opt?.mode ?? RUN_DEFAULTS.mode) as Mode;
  if (!MODES.includes(mode)) throw new ConfigError('--mode', `unknown mode "${mode}" (one of ${MODES.join(', ')})`);
  const copy = (v.copy ?? opt?.copy ?? RUN_DEFAULTS.copy) as CopyEngineName;
  if (!COPY_ENGINES.includes(copy)) throw new ConfigError('--copy', `unknown copy engine "${copy}" (one of ${COPY_ENGINES.join(', ')})`);
  // The vCPUs are parked and the tracker idle during the copy, so a second core is free then.
  const copyThreads = v['copy-threads'] === undefined ? (availableParallelism() >= 2 ? 1 : 0) : parseCount('--copy-threads', v['copy-threads'], 0, MAX_COPY_THREADS);
  const copyAt = (v['copy-at'] ?? 'pause') as CopyAt;
  if (!COPY_AT.includes(copyAt)) throw new ConfigError('--copy-at', `unknown value "${copyAt}" (one of ${COPY_AT.join(', ')})`);
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
  if (copyAt === 'background' && !tracked) throw new ConfigError('--copy-at', 'native mode takes no checkpoints: background needs a tracked mode');
  // Spinning only pays when every busy thread (vCPUs + tracker) has a core (docs/design.md, Access path).
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
  if (v.trace !== undefined) options.trace = checkTraceFile(v.trace, v.ifetch ?? false);
  if (v.ifetch === true) options.ifetch = true;
  if (workload === 'trace' && options.trace === undefined) throw new ConfigError('--trace', 'the trace workload needs --trace FILE (valgrind lackey output, plain or .gz)');
  return {
    workload, mode, vcpus, memBytes, pages, epochMs, epochOps, durationMs, opsPerVcpu,
    seed: v.seed === undefined ? RUN_DEFAULTS.seed : parseCount('--seed', v.seed, 0, 0xffffffff),
    verify: v.verify ?? false,
    json: jsonTarget(v.json),
    stepOps: v['step-ops'] === undefined ? RUN_DEFAULTS.stepOps : parseCount('--step-ops', v['step-ops'], 1, 1 << 24),
    spin, faultPath, exitCostUs: exitCost(v['exit-cost']), copy, copyThreads, copyAt,
    predictor: checkPredictor(v.predictor ?? RUN_DEFAULTS.predictor, pages),
    pauseTimeoutMs: v['pause-timeout-ms'] === undefined ? RUN_DEFAULTS.pauseTimeoutMs : parseCount('--pause-timeout-ms', v['pause-timeout-ms'], 1),
    options,
  };
}

/** --exit-cost: µs, a decimal from 0 to 100. */
function exitCost(text: string | undefined): number {
  if (text === undefined) return 0;
  const us = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(us >= 0 && us <= 100)) throw new ConfigError('--exit-cost', `"${text}" is not a number of µs from 0 to 100`);
  return us;
}

/** Refuses a path that names no file (empty, missing, a directory), naming the flag. */
function checkFile(flag: string, path: string): void {
  if (path.length === 0) throw new ConfigError(flag, 'empty path');
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(flag, code === 'ENOENT' ? `no such file ${path}` : `cannot stat ${path}: ${(e as Error).message}`);
  }
  if (!isFile) throw new ConfigError(flag, `${path} is not a file`);
}

/** The trace path if it names a readable file; checked here so a typo fails before any thread starts. */
function checkTraceFile(path: string, ifetch: boolean): string {
  checkFile('--trace', path);
  try {
    sniffLackeyFile(path, ifetch);
  } catch (e) {
    const why = e instanceof TraceFormatError ? e.message : `cannot read ${path}: ${(e as Error).message}`;
    throw new ConfigError('--trace', why, { cause: e });
  }
  return path;
}
