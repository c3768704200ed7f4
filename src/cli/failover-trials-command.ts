// `hbft failover-trials --trials N [--seed S] [--json -]`
import { runTrial, trialSpec, type TrialOutcome } from '../backup/trials.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';
import { parseCount } from './units.js';

const FLAGS = { trials: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' } } as const;

export interface TrialsReport {
  readonly trials: number;
  readonly passed: number;
  readonly failures: { seed: number; workload: string; killedAtEpoch: number | null; reason: string }[];
  readonly failoverMs: { min: number; median: number; max: number } | null;
  readonly outcomes: TrialOutcome[];
}

export async function failoverTrialsCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  const n = values.trials === undefined ? 20 : parseCount('--trials', values.trials as string, 1, 10_000);
  const seed = values.seed === undefined ? 1 : parseCount('--seed', values.seed as string, 0, 0xffff_ffff);
  const outcomes: TrialOutcome[] = [];
  for (let i = 0; i < n; i++) {
    const o = await runTrial(trialSpec(seed + i));
    outcomes.push(o);
    if (values.json !== '-') {
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
  if (values.json === '-') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(`${report.passed}/${n} trials passed; failover ms min/median/max ${report.failoverMs ? `${report.failoverMs.min}/${report.failoverMs.median}/${report.failoverMs.max}` : '-'}\n`);
  return report.passed === n ? 0 : 1;
}
