// Failover trials: a real backup process and a real primary process per trial; the
// primary SIGKILLs itself after a random epoch, and the backup's resumed guest must end
// with the reference result (src/run/reference.ts) of the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cliPath } from '../link/backup-process.js';
import { referenceResult } from '../run/reference.js';
import { xorshift32 } from '../guest/workloads/rng.js';
import { BUILTIN_WORKLOADS, STANDARD_WORKLOADS } from '../guest/workloads/registry.js';
import { PAGE_SIZE } from '../vm/layout.js';
import type { BackupReport } from './backup-report.js';

export interface TrialSpec {
  readonly seed: number;
  readonly workload: string;
  readonly vcpus: number;
  readonly memBytes: number;
  readonly ops: number;
  readonly epochOps: number;
}

export interface TrialOutcome {
  readonly spec: TrialSpec;
  readonly passed: boolean;
  readonly killedAtEpoch: number | null;
  readonly resumedFromEpoch: number | null;
  /** Primary's SIGKILL to the backup's restored vCPUs running, in ms. */
  readonly failoverMs: number | null;
  readonly reason: string | null;
}

/** Small trials: a few MiB, a few thousand ops per epoch, 3-8 epochs. */
export function trialSpec(seed: number): TrialSpec {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = (n: number) => (x = xorshift32(x)) % n;
  const workload = STANDARD_WORKLOADS[next(STANDARD_WORKLOADS.length)]!;
  const epochOps = 2000 + 1000 * next(4);
  return { seed, workload, vcpus: 1 + next(2), memBytes: (2 + 2 * next(2)) << 20, ops: epochOps * (3 + next(6)), epochOps };
}

export function expectedResult(s: TrialSpec): string {
  return referenceResult({
    workload: BUILTIN_WORKLOADS[s.workload]!, pages: s.memBytes / PAGE_SIZE, vcpus: s.vcpus, seed: s.seed, options: {},
    opsPerVcpu: Array.from({ length: s.vcpus }, () => s.ops),
  });
}

export async function runTrial(spec: TrialSpec, timeoutMs = 60_000): Promise<TrialOutcome> {
  const fail = (reason: string, extra: Partial<TrialOutcome> = {}): TrialOutcome => ({
    spec, passed: false, killedAtEpoch: null, resumedFromEpoch: null, failoverMs: null, reason, ...extra,
  });
  const backup = spawn(process.execPath, [cliPath(), 'backup', '--listen', '127.0.0.1:0', '--json', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const children: ChildProcess[] = [backup];
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), timeoutMs);
  try {
    const backupOut = collect(backup);
    const port = await firstMatch(backup, /listening on [^:]+:(\d+)/);
    if (port === null) return fail(`backup did not listen: ${(await backupOut).err.trim()}`);
    const primary = spawn(process.execPath, [
      cliPath(), 'run', '--workload', spec.workload, '--mode', 'logdirty', '--vcpus', String(spec.vcpus),
      '--mem', String(spec.memBytes), '--ops', String(spec.ops), '--epoch-ops', String(spec.epochOps), '--seed', String(spec.seed),
      '--backup', `tcp://127.0.0.1:${port}`, '--kill-primary-at', 'random',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(primary);
    const primaryOut = await collect(primary);
    const kill = /killing primary after epoch (\d+) was sent \(at (\d+) ms\)/.exec(primaryOut.err);
    const { out, err, code } = await backupOut;
    const json = out.slice(out.indexOf('{'));
    let report: BackupReport;
    try {
      report = JSON.parse(json) as BackupReport;
    } catch (e) {
      return fail(`backup exited ${code} without a report (${(e as Error).message}): ${err.trim().split('\n').pop() ?? ''}`);
    }
    const killedAtEpoch = kill ? Number(kill[1]) : null;
    const extra = {
      killedAtEpoch,
      resumedFromEpoch: report.failover?.resumedFrom.epoch ?? null,
      failoverMs: kill && report.failover ? report.failover.runningAt - Number(kill[2]) : null,
    };
    if (kill === null) return fail(`primary was not killed (exit ${primaryOut.code}): ${primaryOut.err.trim().split('\n').pop() ?? ''}`, extra);
    if (report.failover === null) return fail(`backup did not fail over (${report.outcome}: ${report.session.detail})`, extra);
    const want = expectedResult(spec);
    if (report.failover.result !== want) return fail(`result ${report.failover.result}, reference ${want}`, extra);
    return { spec, passed: true, reason: null, ...extra };
  } finally {
    clearTimeout(timer);
  }
}

interface Collected {
  out: string;
  err: string;
  code: number | null;
}

function collect(child: ChildProcess): Promise<Collected> {
  const c: Collected = { out: '', err: '', code: null };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (c.out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (c.err += s));
  return new Promise((resolve) => child.once('close', (code) => resolve({ ...c, code })));
}

/** The first capture of `re` on the child's stdout, or null if it exits first. */
function firstMatch(child: ChildProcess, re: RegExp): Promise<string | null> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = re.exec(line);
      if (m) {
        lines.close();
        resolve(m[1]!);
      }
    });
    child.once('exit', () => resolve(null));
  });
}
