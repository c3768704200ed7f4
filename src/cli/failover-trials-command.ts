// `hbft failover-trials --trials N [--seed S] [--json -]`: primaries killed at random
// epochs. With `--fault stop|partition|kill-backup|kill-primary[,...]`: kvserver trials
// under that fault, each ending with every acknowledged key read back (docs/failover.md).
import { FAULTS, faultTrialSpec, killTrialProcesses, runFaultTrial, summarise, type Fault, type FaultSummary, type FaultTrialOutcome } from '../backup/fault-trials.js';
import { runTrial, trialSpec, type TrialOutcome } from '../backup/trials.js';
import { ConfigError } from '../base/errors.js';
import type { CommandSpec } from './command.js';
import { JSON_FLAG, QUIET_FLAG, jsonTarget, writeJson } from './common-flags.js';
import type { FlagTable, FlagValues } from './flags.js';
import { parseCount } from './units.js';

export const FAILOVER_TRIALS_FLAGS = {
  trials: { type: 'string', value: 'N', default: '20', help: 'trials to run, 1 to 10000; trial i uses seed S+i' },
  seed: { type: 'string', value: 'S', default: '1', help: "the first trial's seed (workload, vCPUs and kill epoch follow from it)" },
  fault: { type: 'string', value: 'stop|partition|kill-backup|kill-primary[,...]', default: 'none', help: 'kvserver trials under these faults, each ending with every acked key read back (docs/failover.md); without it, primaries killed at random epochs' },
  'load-ms': { type: 'string', value: 'N', default: '6000', help: 'with --fault: client load per trial in ms, 1000 to 600000' },
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
  if (values.fault !== undefined) {
    const faults = values.fault.split(',');
    for (const f of faults) if (!(FAULTS as readonly string[]).includes(f)) throw new ConfigError('--fault', `"${f}" is not one of ${FAULTS.join(', ')}`);
    const loadMs = values['load-ms'] === undefined ? 6000 : parseCount('--load-ms', values['load-ms'], 1000, 600_000);
    return faultTrials(faults as Fault[], n, seed, loadMs, json, values.quiet === true);
  }
  if (values['load-ms'] !== undefined) throw new ConfigError('--load-ms', 'applies to --fault trials');
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

async function faultTrials(faults: readonly Fault[], n: number, seed: number, loadMs: number, json: string | null, quiet: boolean): Promise<number> {
  const summaries: FaultSummary[] = [];
  const outcomes: FaultTrialOutcome[] = [];
  // An interrupted run takes its primaries and backups with it (a stopped one included).
  const interrupted = (signal: NodeJS.Signals) => {
    killTrialProcesses();
    process.stderr.write(`hbft failover-trials: ${signal}: trial processes killed\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  for (const fault of faults) {
    const mine: FaultTrialOutcome[] = [];
    for (let i = 0; i < n; i++) {
      const o = await runFaultTrial(faultTrialSpec(fault, seed + i, loadMs));
      mine.push(o);
      if (json !== '-' && !quiet) {
        const s = o.spec;
        const what = fault === 'stop' ? ` stop ${s.faultMs} ms` : fault === 'partition' ? ` ${s.direction} ${s.faultMs} ms` : '';
        process.stdout.write(`${fault} ${i + 1}/${n} seed ${s.seed}${what}: ${o.passed ? 'pass' : 'FAIL'} (acked ${o.acked}, lost ${o.lost}, two-master ${o.twoMaster}, ` +
          `served by ${o.servedBy}, longest client wait ${o.clientWaitMs} ms, takeover ${o.takeoverMs ?? '-'} ms)${o.reason ? `: ${o.reason}` : ''}\n`);
      }
    }
    outcomes.push(...mine);
    summaries.push(summarise(fault, mine));
  }
  writeJson(json, JSON.stringify({ summaries, outcomes }, null, 2));
  if (json !== '-') {
    process.stdout.write('fault         trials passed    acked  lost two-master failovers  client wait ms      takeover ms (min/median/max)\n');
    for (const s of summaries) {
      process.stdout.write(`${s.fault.padEnd(13)} ${String(s.trials).padStart(6)} ${String(s.passed).padStart(6)} ${String(s.acked).padStart(8)} ${String(s.lost).padStart(5)} ` +
        `${String(s.twoMaster).padStart(10)} ${String(s.failovers).padStart(9)}  ${`${s.clientWaitMs.min}/${s.clientWaitMs.median}/${s.clientWaitMs.max}`.padEnd(18)}` +
        ` ${s.takeoverMs === null ? '-' : `${s.takeoverMs.min}/${s.takeoverMs.median}/${s.takeoverMs.max}`}\n`);
    }
  }
  return summaries.every((s) => s.passed === s.trials) ? 0 : 1;
}
