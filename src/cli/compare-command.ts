import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { summarize } from '../compare/aggregate.js';
import { availableConfigs, defaultConfigs, whyUnavailable } from '../compare/configs.js';
import { CompareError } from '../compare/errors.js';
import { markdownTable, toCsv, toMarkdown } from '../compare/format.js';
import { mergeCompare } from '../compare/merge.js';
import { resolveShard } from '../compare/shard.js';
import { runSweep } from '../compare/sweep-runner.js';
import type { CompareConfigSpec, CompareResults, CompareShard, CompareSweep } from '../metrics/compare-results.js';
import { runVm } from '../run/run-vm.js';
import { isCustomWorkload, STANDARD_WORKLOADS } from '../guest/workloads/registry.js';
import { ConfigError } from '../base/errors.js';
import type { CommandSpec } from './command.js';
import { JSON_FLAG, QUIET_FLAG, REPORT_FLAG, jsonTarget, writeJson } from './common-flags.js';
import { resolveRunConfig, RUN_DEFAULTS, type ResolvedConfig } from './config.js';
import type { FlagTable, FlagValues } from './flags.js';
import { parseCount, parseDuration, parseSize } from './units.js';

/** Sized so that `npm start` (every standard workload under every mode) stays short. */
export const COMPARE_DEFAULTS = { duration: '1s', mem: '32MiB', repeat: 1, out: 'results/compare' } as const;

export const COMPARE_FLAGS = {
  workloads: { type: 'string', value: 'a,b|all', default: 'all', help: `workloads to run: built-ins (${STANDARD_WORKLOADS.join(', ')}) or ./module.js paths` },
  modes: { type: 'string', value: 'a,b', default: defaultConfigs().map((c) => c.name).join(','), help: 'configurations to compare: the tracking modes, all (wfp + superpage), and on request all-bg (all with --copy-at background)' },
  duration: { type: 'string', value: 'T', default: COMPARE_DEFAULTS.duration, help: 'run time of each run' },
  mem: { type: 'string', value: 'SIZE', default: COMPARE_DEFAULTS.mem, help: 'guest RAM of each run' },
  vcpus: { type: 'string', value: 'N', default: String(RUN_DEFAULTS.vcpus), help: 'vCPU threads of each run' },
  'epoch-ms': { type: 'string', value: 'N', default: String(RUN_DEFAULTS.epochMs), help: 'checkpoint interval of each run' },
  seed: { type: 'string', value: 'S', default: String(RUN_DEFAULTS.seed), help: 'workload seed' },
  repeat: { type: 'string', value: 'R', default: String(COMPARE_DEFAULTS.repeat), help: 'repeats of the whole sweep, interleaved' },
  shard: { type: 'string', value: 'i/n|auto', default: 'none', help: 'run only shard i of n of the sweep; auto reads SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (docs/sweeps.md)' },
  shards: { type: 'string', value: 'N', default: 'none', help: 'with --shard auto: the shard count when the environment does not give it' },
  out: { type: 'string', value: 'results/NAME', default: COMPARE_DEFAULTS.out, help: 'where NAME.json, NAME.csv and NAME.md go (a shard adds -i to the default)' },
  merge: { type: 'boolean', default: 'off', help: 'join the partial NAME.json files given as arguments into --out' },
  json: { ...JSON_FLAG, help: 'also write the results JSON to PATH, or to stdout with - (the table then goes to stderr)' },
  report: { ...REPORT_FLAG, help: 'an HTML report of the sweep (docs/reports.md); alone, results/NAME.html' },
  quiet: { ...QUIET_FLAG, help: 'no per-run progress lines on stderr' },
} as const satisfies FlagTable;
export type CompareFlagValues = FlagValues<typeof COMPARE_FLAGS>;

export const compareSpec: CommandSpec = {
  name: 'compare',
  summary: 'run workloads under several modes (interleaved) and write NAME.json/.csv/.md',
  args: '[A.json B.json ... with --merge]',
  flags: [{ title: 'Compare', table: COMPARE_FLAGS }],
  details: 'Examples:\n  hbft compare --workloads gups,kv --modes logdirty,wfp --out results/gk\n  hbft compare --merge results/s-0.json results/s-1.json --out results/s',
  run: (values, positionals) => compareCommand(values as CompareFlagValues, positionals),
};

/** Flags that define a sweep: a merge takes its sweep from its inputs instead. */
const SWEEP_FLAGS = ['workloads', 'modes', 'duration', 'mem', 'vcpus', 'epoch-ms', 'seed', 'repeat', 'shard', 'shards'] as const;

export interface ResolvedCompare {
  readonly sweep: CompareSweep;
  readonly shard: CompareShard;
  readonly out: string;
}

/** `hbft compare`: run a sweep (or one shard of it), or `--merge` shards; write NAME.json/.csv/.md. */
export async function compareCommand(v: CompareFlagValues, positionals: readonly string[]): Promise<number> {
  if (v.merge === true) return mergeCommand(v, [...positionals]);
  if (positionals.length > 0) throw new ConfigError(positionals[0], 'unexpected argument (input files go after --merge)');
  const { sweep, shard, out } = resolveCompare(v, process.env);
  const json = jsonTarget(v.json);
  const progress = v.quiet === true ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  const runConfigs = new Map(sweep.workloads.flatMap((w) => sweep.configs.map((c) => [key(w, c), runConfigFor(sweep, w, c)] as const)));
  const started = performance.now();
  const results = await runSweep(sweep, shard, async (job) => {
    const t0 = performance.now();
    const { results: r, pause } = await runVm(runConfigs.get(key(job.workload, job.config)) as ResolvedConfig);
    pause.destroy();
    // wall time per run, so the cost of a bigger sweep can be estimated from a small one
    progress(`    ${Math.round(r.throughput.opsPerSec).toLocaleString('en-US')} ops/s, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  }, progress);
  progress(`${results.rows.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  writeOutputs(out, results, json);
  await writeReportIfAsked(v.report, out, results, json);
  return reportFailures(results);
}

/** --report [PATH]: the HTML report of the sweep, next to NAME.json by default. */
async function writeReportIfAsked(report: string | undefined, out: string, results: CompareResults, json: string | null): Promise<void> {
  if (report === undefined) return;
  // Loaded on use: vega takes about a second to import.
  const { writeReport } = await import('../report/write-report.js');
  const path = await writeReport([results], report === '' ? `${out}.html` : report);
  (json === '-' ? process.stderr : process.stdout).write(`wrote report ${path}\n`);
}

function key(workload: string, c: CompareConfigSpec): string {
  return JSON.stringify([workload, c.name]);
}

/** Validate, then fill (docs/design.md, Conventions): every flag checked before the first run starts. */
export function resolveCompare(v: CompareFlagValues, env: Readonly<Record<string, string | undefined>>): ResolvedCompare {
  const workloads = workloadList(v.workloads);
  const configs = configList(v.modes);
  const sweep: CompareSweep = {
    workloads, configs,
    repeat: v.repeat === undefined ? COMPARE_DEFAULTS.repeat : parseCount('--repeat', v.repeat, 1, 1000),
    epochMs: v['epoch-ms'] === undefined ? RUN_DEFAULTS.epochMs : parseCount('--epoch-ms', v['epoch-ms'], 1, 60_000),
    durationMs: parseDuration('--duration', v.duration ?? COMPARE_DEFAULTS.duration),
    memBytes: parseSize('--mem', v.mem ?? COMPARE_DEFAULTS.mem),
    vcpus: v.vcpus === undefined ? RUN_DEFAULTS.vcpus : parseCount('--vcpus', v.vcpus, 1, 64),
    seed: v.seed === undefined ? RUN_DEFAULTS.seed : parseCount('--seed', v.seed, 0, 0xffffffff),
  };
  // The run validator owns the rest (page multiples, vCPUs per page, ...): ask it now.
  for (const w of workloads) for (const c of configs) runConfigFor(sweep, w, c, v.mem);
  const shard = resolveShard(v.shard, v.shards, env);
  // Shards left on the default name would overwrite each other on a shared disk.
  const out = v.out === undefined && shard.count > 1 ? `${COMPARE_DEFAULTS.out}-${shard.index}` : outPath(v.out);
  return { sweep, shard, out };
}

function runConfigFor(sweep: CompareSweep, workload: string, c: CompareConfigSpec, memText?: string): ResolvedConfig {
  return resolveRunConfig({
    workload, mode: c.mode, copy: c.copy, ...(c.copyAt === undefined ? {} : { 'copy-at': c.copyAt }), duration: `${sweep.durationMs}ms`, mem: memText ?? String(sweep.memBytes),
    vcpus: String(sweep.vcpus), 'epoch-ms': String(sweep.epochMs), seed: String(sweep.seed),
  });
}

function workloadList(text: string | undefined): string[] {
  if (text === undefined || text === 'all') return [...STANDARD_WORKLOADS];
  const items = splitList('--workloads', text);
  for (const w of items) {
    if (!isCustomWorkload(w) && !(STANDARD_WORKLOADS as readonly string[]).includes(w)) {
      throw new ConfigError('--workloads', `unknown "${w}" (one of ${STANDARD_WORKLOADS.join(', ')}, all, or ./path/to/module.js)`);
    }
  }
  return items;
}

/** Default: every configuration this build has. `all` is a configuration (wfp + superpage), not "every mode". */
function configList(text: string | undefined): CompareConfigSpec[] {
  const available = availableConfigs();
  if (text === undefined) return defaultConfigs();
  return splitList('--modes', text).map((name) => {
    const c = available.find((a) => a.name === name);
    if (c === undefined) {
      throw new ConfigError('--modes', `${whyUnavailable(name)} (available: ${available.map((a) => a.name).join(', ')}; omit --modes for all of them)`);
    }
    return c;
  });
}

function splitList(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new ConfigError(flag, 'empty list');
  const dup = items.find((x, i) => items.indexOf(x) !== i);
  if (dup !== undefined) throw new ConfigError(flag, `"${dup}" is listed twice`);
  return items;
}

/** `results/NAME` names three files; a trailing .json is taken as part of the name's spelling. */
function outPath(text: string | undefined): string {
  const out = (text ?? COMPARE_DEFAULTS.out).replace(/\.json$/, '');
  if (out === '' || out.endsWith('/')) throw new ConfigError('--out', `"${text}" names a directory; give results/NAME`);
  return out;
}

async function mergeCommand(v: CompareFlagValues, files: string[]): Promise<number> {
  const given = SWEEP_FLAGS.find((f) => v[f] !== undefined);
  if (given !== undefined) throw new ConfigError(`--${given}`, 'a merge takes the sweep from its inputs; drop this flag');
  if (files.length === 0) throw new ConfigError('--merge', 'give the partial NAME.json files to join');
  if (v.out === undefined) throw new ConfigError('--out', 'a merge needs --out results/NAME');
  const out = outPath(v.out);
  const json = jsonTarget(v.json);
  const merged = mergeCompare(files.map((file) => ({ file, data: readJson(file) })));
  writeOutputs(out, merged, json);
  await writeReportIfAsked(v.report, out, merged, json);
  return reportFailures(merged);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CompareError('COMPARE_BAD_INPUT', `merge ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CompareError('COMPARE_BAD_INPUT', `merge ${file}: not JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** NAME.json, NAME.csv and NAME.md; the table also goes to stdout (to stderr under --json -). */
function writeOutputs(out: string, results: CompareResults, json: string | null): void {
  const summary = summarize(results.rows);
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(results, null, 1) + '\n';
  writeFileSync(`${out}.json`, text);
  writeFileSync(`${out}.csv`, toCsv(summary));
  writeFileSync(`${out}.md`, toMarkdown(results, summary));
  (json === '-' ? process.stderr : process.stdout).write(markdownTable(summary) + '\n');
  writeJson(json, text);
  process.stderr.write(`wrote ${out}.json, ${out}.csv, ${out}.md\n`);
}

/** A run whose workload failed its own check, or whose backup diverged, fails the command. */
function reportFailures(results: CompareResults): number {
  const bad = results.rows.filter((r) => r.verified === false || r.consistent === false);
  for (const r of bad) {
    process.stderr.write(`hbft compare: repeat ${r.repeat} ${r.workload} under ${r.mode}: ${r.verified === false ? 'result did not verify' : 'backup inconsistent'}\n`);
  }
  return bad.length > 0 ? 1 : 0;
}
