// `hbft failover-trials --trials N [--seed S] [--json -]`
import { runTrial, trialSpec, type TrialOutcome } from '../backup/trials.js';
import { ConfigError } from '../errors.js';
import type { CommandSpec } from './command.js';
import { JSON_FLAG, QUIET_FLAG, jsonTarget, writeJson } from './common-flags.js';
import type { FlagTable, FlagValues } from './flags.js';
import { parseCount } from './units.js';

export const FAILOVER_TRIALS_FLAGS = {
  trials: { type: 'string', value: 'N', default: '20', help: 'trials to run, 1 to 10000; trial i uses seed S+i' },
  seed: { type: 'string', value: 'S', default: '1', help: "the first trial's seed (workload, vCPUs and kill epoch follow from it)" },
  json: { ...JSON_FLAG, help: 'the trials report (passes, failures, failover times, every outcome) as JSON to PATH, or to stdout with -' },
  quiet: { ...QUIET_FLAG, help: 'no line per trial on stdout, only the summary' },
} as const satisfies FlagTable;

export const failoverTrialsSpec: CommandSpec = {
  name: 'failover-trials',
  summary: 'N trials of a primary killed at a random epoch and its backup taking over',
  flags: [{ title: 'Trials', table: FAILOVER_TRIALS_FLAGS }],
  run: (values, positionals) => failoverTrialsCommand(values as FlagValues<typeof FAILOVER_TRIALS_FLAGS>, positionals),
};

export interface TrialsReport {
  readonly trials: number;
  readonly passed: number;
  readonly failures: { seed: number; workload: string; killedAtEpoch: number | null; reason: string }[];
  readonly failoverMs: { min: number; median: number; max: number } | null;
  readonly outcomes: TrialOutcome[];
}

export async function failoverTrialsCommand(values: FlagValues<typeof FAILOVER_TRIALS_FLAGS>, positionals: readonly string[]): Promise<number> {
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  const n = values.trials === undefined ? 20 : parseCount('--trials', values.trials, 1, 10_000);
  const seed = values.seed === undefined ? 1 : parseCount('--seed', values.seed, 0, 0xffff_ffff);
  const json = jsonTarget(values.json);
  const perTrial = json !== '-' && values.quiet !== true;
  const outcomes: TrialOutcome[] = [];
  for (let i = 0; i < n; i++) {
    const o = await runTrial(trialSpec(seed + i));
    outcomes.push(o);
    if (perTrial) {
      const s = o.spec;
      process.stdout.write(`trial ${i + 1}/${n} seed ${s.seed} ${s.workload} x${s.vcpus}: ${o.passed ? 'pass' : 'FAIL'}` +
        ` (killed after epoch ${o.killedAtEpoch ?? '-'}, resumed from ${o.resumedFromEpoch ?? '-'}, failover ${o.failoverMs ?? '-'} ms)${o.reason ? `: ${o.reason}` : ''}\n`);
    }
  }
  const times = outcomes.map((o) => o.failoverMs).filter((t): t is number => t !== null).sort((a, b) => a - b);
  const report: TrialsReport = {
    trials: n,
    passed: outcomes.filter((o) => o.passed).length,
    failures: outcomes.filter((o) => !o.passed).map((o) => ({ seed: o.spec.seed, workload: o.spec.workload, killedAtEpoch: o.killedAtEpoch, reason: o.reason ?? '' })),
    failoverMs: times.length === 0 ? null : { min: times[0]!, median: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]! },
    outcomes,
  };
  writeJson(json, JSON.stringify(report, null, 2));
  if (json !== '-') process.stdout.write(`${report.passed}/${n} trials passed; failover ms min/median/max ${report.failoverMs ? `${report.failoverMs.min}/${report.failoverMs.median}/${report.failoverMs.max}` : '-'}\n`);
  return report.passed === n ? 0 : 1;
}
