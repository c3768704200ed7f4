import { MODES, type Mode } from '../tracking/policy.js';
import { STANDARD_WORKLOADS } from '../workloads/registry.js';
import { runVm } from '../run/run-vm.js';
import type { RunResults } from '../metrics/results.js';
import { ConfigError } from './config-error.js';
import { parseFlags, resolveRunConfig } from './config.js';
import { fmt, formatTable } from './summary.js';

const COMPARE_FLAGS = {
  workloads: { type: 'string' },
  modes: { type: 'string' },
  duration: { type: 'string' },
  mem: { type: 'string' },
  vcpus: { type: 'string' },
  'epoch-ms': { type: 'string' },
  seed: { type: 'string' },
} as const;

export const COMPARE_DEFAULTS = { duration: '2s', mem: '64MiB' } as const;

function list(flag: string, text: string | undefined, all: readonly string[], fallback: readonly string[]): string[] {
  if (text === undefined) return [...fallback];
  if (text === 'all') return [...all];
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!all.includes(i)) throw new ConfigError(flag, `unknown "${i}" (one of ${all.join(', ')}, or all)`);
  if (items.length === 0) throw new ConfigError(flag, 'empty list');
  return items;
}

/**
 * `hbft compare`: every workload under every mode, modes interleaved within a workload
 * so that machine noise hits them alike; prints throughput relative to native.
 */
export async function compareCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags(argv, COMPARE_FLAGS);
  const v = values as Partial<Record<keyof typeof COMPARE_FLAGS, string>>;
  const workloads = list('--workloads', v.workloads, STANDARD_WORKLOADS, STANDARD_WORKLOADS);
  const modes = list('--modes', v.modes, MODES, MODES) as Mode[];
  const rows: string[][] = [];
  let failed = false;
  for (const workload of workloads) {
    const byMode = new Map<Mode, RunResults>();
    for (const mode of modes) {
      const cfg = resolveRunConfig({
        workload, mode, duration: v.duration ?? COMPARE_DEFAULTS.duration, mem: v.mem ?? COMPARE_DEFAULTS.mem,
        vcpus: v.vcpus, 'epoch-ms': v['epoch-ms'], seed: v.seed,
      });
      process.stderr.write(`running ${workload} under ${mode}...\n`);
      const { results, pause } = await runVm(cfg);
      pause.destroy();
      byMode.set(mode, results);
      if (results.workload.verified === false || results.backup.consistent === false) failed = true;
    }
    const native = byMode.get('native')?.throughput.opsPerSec;
    for (const [mode, r] of byMode) {
      const perEpoch = (n: number) => (r.epochs > 0 ? fmt(n / r.epochs) : '-');
      rows.push([
        workload, mode, fmt(r.throughput.opsPerSec),
        native ? (r.throughput.opsPerSec / native).toFixed(2) : '-',
        native ? (native / r.throughput.opsPerSec).toFixed(2) + 'x' : '-',
        r.epochs > 0 ? `${r.pauseUs.p50}` : '-', r.epochs > 0 ? `${r.pauseUs.p99}` : '-',
        perEpoch(r.faults.read), perEpoch(r.faults.write), r.epochs > 0 ? fmt(r.dirtyPages.perEpoch.mean) : '-',
      ]);
    }
  }
  process.stdout.write(formatTable(
    ['workload', 'mode', 'ops/s', 'vs native', 'slowdown', 'pause p50 us', 'pause p99 us', 'read faults/epoch', 'write faults/epoch', 'dirty pages/epoch'],
    rows,
  ) + '\n');
  return failed ? 1 : 0;
}
