import type { ResolvedConfig } from '../config/run-config.js';
import { percentilePoints, summarize, type Histogram } from '../metrics/histograms.js';
import type { EpochRecord, RunResults } from '../metrics/results.js';
import { steadyOpsPerSec } from '../metrics/steady-throughput.js';

export interface ResultsInput {
  readonly cfg: ResolvedConfig;
  readonly result: string;
  readonly verified: boolean | null;
  readonly opsPerVcpu: readonly number[];
  readonly epochLog: readonly EpochRecord[];
  readonly hist: { pause: Histogram; quiesce: Histogram; copy: Histogram; faultService: Histogram };
  readonly durationMs: number;
  readonly mismatches: readonly string[];
  readonly backup: RunResults['backup'];
}

/** Assemble the results JSON (schema version 1, see results.ts). */
export function buildResults(r: ResultsInput): RunResults & Record<string, unknown> {
  const ops = r.opsPerVcpu.reduce((a, b) => a + b, 0);
  const dirty = r.epochLog.map((e) => e.dirtyPages);
  const { cfg } = r;
  return {
    version: 1,
    config: {
      workload: cfg.workload, mode: cfg.mode, vcpus: cfg.vcpus, memBytes: cfg.memBytes, epochMs: cfg.epochMs,
      epochOps: cfg.epochOps, durationMs: cfg.durationMs, opsPerVcpu: cfg.opsPerVcpu, seed: cfg.seed, verify: cfg.verify,
      stepOps: cfg.stepOps, spin: cfg.spin, faultPath: cfg.faultPath, exitCostUs: cfg.exitCostUs, copy: cfg.copy, copyThreads: cfg.copyThreads, copyAt: cfg.copyAt, predictor: cfg.predictor, options: cfg.options,
    },
    mode: cfg.mode,
    workload: { name: cfg.workload, ops, result: r.result, verified: r.verified },
    epochs: r.epochLog.length,
    durationMs: round(r.durationMs),
    throughput: {
      opsPerSec: r.durationMs > 0 ? Math.round(ops / (r.durationMs / 1000)) : 0,
      steadyOpsPerSec: steadyOpsPerSec(r.epochLog, r.durationMs),
    },
    faults: {
      read: sum(r.epochLog, 'faultsRead'), write: sum(r.epochLog, 'faultsWrite'),
      ...(cfg.mode === 'pml' ? { pmlFull: sum(r.epochLog, 'faultsPmlFull') } : {}),
    },
    ...(cfg.mode === 'wfp' ? {
      predictor: {
        name: cfg.predictor, hits: sum(r.epochLog, 'predHits'), wasted: sum(r.epochLog, 'predWasted'), misses: sum(r.epochLog, 'predMisses'),
      },
    } : {}),
    dirtyPages: { total: dirty.reduce((a, b) => a + b, 0), perEpoch: distribution(dirty) },
    pauseUs: summarize(r.hist.pause),
    quiesceUs: summarize(r.hist.quiesce),
    copyUs: summarize(r.hist.copy),
    faultServiceUs: summarize(r.hist.faultService),
    backup: r.backup,
    ...(r.mismatches.length > 0 ? { mismatches: r.mismatches } : {}),
    pauseDistribution: percentilePoints(r.hist.pause),
    epochLog: [...r.epochLog],
  };
}

type Counter = 'faultsRead' | 'faultsWrite' | 'faultsPmlFull' | 'predHits' | 'predWasted' | 'predMisses';

function sum(log: readonly EpochRecord[], key: Counter): number {
  return log.reduce((a, e) => a + (e[key] ?? 0), 0);
}

/** mean, p50, p99 and max of a per-epoch series (nearest-rank percentiles). */
export function distribution(xs: readonly number[]): { mean: number; p50: number; p99: number; max: number } {
  if (xs.length === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return { mean: round(s.reduce((a, b) => a + b, 0) / s.length), p50: rank(50), p99: rank(99), max: s[s.length - 1] };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
