// Fault trials (docs/failover.md): a kvserver primary, its backup (both with one
// --witness) and a kv client in this process; mid-load one fault is injected. A trial
// passes when the client, reading every acknowledged key back from the replica that
// accepts writes at the end, finds none lost, and never saw two replicas accepting writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../link/backup-process.js';
import { runKvClient, type KvClientReport } from '../service/kv-client.js';
import { PartitionProxy, type Direction } from '../net/partition-proxy.js';
import { xorshift32 } from '../guest/workloads/rng.js';

export const FAULTS = ['stop', 'partition', 'kill-backup', 'kill-primary'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultTrialSpec {
  readonly seed: number;
  readonly fault: Fault;
  /** Client load in ms; the fault lands at faultAtMs into it. */
  readonly loadMs: number;
  readonly faultAtMs: number;
  /** stop: SIGSTOP..SIGCONT; partition: blocked..healed (ms). */
  readonly faultMs: number;
  readonly direction: Direction;
  /** The backup's --heartbeat-ms and the primary's --backup-timeout-ms. */
  readonly heartbeatMs: number;
  readonly backupTimeoutMs: number;
}

export interface FaultTrialOutcome {
  readonly spec: FaultTrialSpec;
  readonly passed: boolean;
  readonly acked: number;
  readonly lost: number;
  readonly twoMaster: number;
  /** Longest a client request waited (retries included): for a frozen primary, until the backup served. */
  readonly clientWaitMs: number;
  /** Which replica accepts writes at the end. */
  readonly servedBy: 'primary' | 'backup' | 'none' | 'both';
  /** The backup resumed the guest (it won the witness). */
  readonly failover: boolean;
  /** From the fault's start until the backup served clients (null: it never did). */
  readonly takeoverMs: number | null;
  readonly reason: string | null;
  readonly primaryExit: string;
  readonly backupExit: string;
  /** The last stderr lines of each process, for a failure's context. */
  readonly primaryLog: string[];
  readonly backupLog: string[];
}

/** Seeded: the fault's moment, length and direction. `loadMs` sets the scale (short in npm test). */
export function faultTrialSpec(fault: Fault, seed: number, loadMs = 4000): FaultTrialSpec {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = (n: number) => (x = xorshift32(x)) % n;
  const faultAtMs = Math.round(loadMs * (0.25 + next(20) / 100));
  // SIGSTOP 0.2-3 s, partition 0.5-2.5 s, each within the load.
  const faultMs = fault === 'stop' ? 200 + next(2801) : fault === 'partition' ? 500 + next(2001) : 0;
  return {
    seed, fault, loadMs: Math.max(loadMs, faultAtMs + faultMs + 1500), faultAtMs, faultMs,
    direction: next(2) === 0 ? 'to-backup' : 'to-primary', heartbeatMs: 300, backupTimeoutMs: 600,
  };
}

interface Child {
  readonly proc: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<string>;
}

/** Children of trials in progress, so an interrupted run can take them down. */
const live = new Set<ChildProcess>();

export function killTrialProcesses(): void {
  for (const c of live) c.kill('SIGKILL');
}

function hbft(args: readonly string[]): Child {
  const proc = spawn(process.execPath, [cliPath(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const c: Child = {
    proc, out: '', err: '',
    exited: new Promise((resolve) => proc.once('close', (code, signal) => resolve(signal ?? String(code)))),
  };
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (c.out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (c.err += s));
  return c;
}

function waitLine(c: Child, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${re} within ${timeoutMs} ms: ${c.err.trim().split('\n').pop() ?? ''}`)), timeoutMs);
    const poll = setInterval(() => {
      const m = re.exec(c.out + c.err);
      if (m) done(null, m);
    }, 10);
    void c.exited.then((how) => done(new Error(`exited (${how}) before ${re}: ${c.err.trim().split('\n').pop() ?? ''}`)));
    let settled = false;
    function done(e: Error | null, m?: RegExpExecArray) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (e) reject(e);
      else resolve(m!);
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFaultTrial(spec: FaultTrialSpec): Promise<FaultTrialOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'hbft-fault-'));
  const witness = join(dir, 'witness');
  const children: Child[] = [];
  let proxy: PartitionProxy | null = null;
  const base = { spec, acked: 0, lost: 0, twoMaster: 0, clientWaitMs: 0, servedBy: 'none' as const, failover: false, takeoverMs: null, primaryExit: '-', backupExit: '-', primaryLog: [] as string[], backupLog: [] as string[] };
  try {
    const [servePrimary, serveBackup] = [await freePort(), await freePort()];
    const backup = hbft(['backup', '--listen', '127.0.0.1:0', '--serve', `127.0.0.1:${serveBackup}`, '--heartbeat-ms', String(spec.heartbeatMs), '--witness', witness, '--json', '-']);
    children.push(backup);
    const port = Number((await waitLine(backup, /listening on [^:\s]+:(\d+)/, 20_000))[1]);
    proxy = new PartitionProxy(port);
    const proxyPort = await proxy.listen();
    const primary = hbft([
      'run', '--workload', 'kvserver', '--serve', `127.0.0.1:${servePrimary}`, '--mem', '4MiB', '--ops', '100000000', '--epoch-ms', '50',
      '--backup', `tcp://127.0.0.1:${proxyPort}`, '--witness', witness, '--backup-timeout-ms', String(spec.backupTimeoutMs), '--quiet',
    ]);
    children.push(primary);
    await waitLine(primary, /kvserver serving on/, 20_000);
    await waitLine(backup, /committed epoch 0 /, 20_000);
    const addrs = [servePrimary, serveBackup].map((p) => ({ kind: 'tcp' as const, host: '127.0.0.1', port: p }));
    const client = runKvClient({ addrs, durationMs: spec.loadMs, keys: 1024, concurrency: 16, requestTimeoutMs: 1000, giveUpMs: 15_000 });
    await sleep(spec.faultAtMs);
    const faultAt = Date.now();
    let servingAt: number | null = null;
    void waitLine(backup, /failover: kvserver serving on/, spec.loadMs + 10_000).then(() => (servingAt = Date.now()), () => null);
    await inject(spec, primary, backup, proxy);
    let report: KvClientReport;
    try {
      report = await client;
    } catch (e) {
      return { ...base, passed: false, reason: `client: ${(e as Error).message}` };
    }
    const servedBy = report.acceptingAtEnd.length > 1 ? 'both' : report.acceptingAtEnd.length === 0 ? 'none'
      : report.acceptingAtEnd[0]!.endsWith(`:${servePrimary}`) ? 'primary' : 'backup';
    const failover = /failover: kvserver serving on/.test(backup.err);
    const out = {
      ...base, acked: report.writesAcked, lost: report.writesLost, twoMaster: report.twoMasterEvents, clientWaitMs: report.maxWaitMs, servedBy, failover,
      takeoverMs: servingAt === null ? null : (servingAt as number) - faultAt,
    } as const;
    let reason: string | null = null;
    if (report.writesLost > 0) reason = `${report.writesLost} acknowledged writes lost (${JSON.stringify(report.lost[0])})`;
    else if (report.twoMasterEvents > 0) reason = `${report.twoMasterEvents} two-master events (accepting at the end: ${report.acceptingAtEnd.join(', ')})`;
    else if (servedBy === 'none') reason = 'no replica accepts writes at the end';
    else if (report.writesAcked === 0) reason = 'no write acknowledged';
    else if (failover !== (servedBy === 'backup')) reason = `backup ${failover ? 'failed over' : 'did not fail over'} but the ${servedBy} serves`;
    for (const c of children) c.proc.kill('SIGKILL');
    const [primaryExit, backupExit] = await Promise.all([primary.exited, backup.exited]);
    const tail = (c: Child) => c.err.trim().split('\n').slice(-4);
    return { ...out, primaryExit, backupExit, primaryLog: tail(primary), backupLog: tail(backup), passed: reason === null, reason };
  } catch (e) {
    return { ...base, passed: false, reason: (e as Error).message };
  } finally {
    proxy?.close();
    for (const c of children) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inject(spec: FaultTrialSpec, primary: Child, backup: Child, proxy: PartitionProxy): Promise<void> {
  switch (spec.fault) {
    case 'stop':
      primary.proc.kill('SIGSTOP');
      await sleep(spec.faultMs);
      primary.proc.kill('SIGCONT');
      return;
    case 'partition':
      proxy.block(spec.direction);
      await sleep(spec.faultMs);
      proxy.heal();
      return;
    case 'kill-backup':
      backup.proc.kill('SIGKILL');
      return;
    case 'kill-primary':
      primary.proc.kill('SIGKILL');
      return;
  }
}

export interface FaultSummary {
  readonly fault: Fault;
  readonly trials: number;
  readonly passed: number;
  readonly acked: number;
  readonly lost: number;
  readonly twoMaster: number;
  readonly failovers: number;
  /** Longest client wait per trial: min / median / max. */
  readonly clientWaitMs: { min: number; median: number; max: number };
  /** Fault to backup serving, over the trials that failed over: min / median / max (null: none did). */
  readonly takeoverMs: { min: number; median: number; max: number } | null;
}

export function summarise(fault: Fault, outcomes: readonly FaultTrialOutcome[]): FaultSummary {
  const spread = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return { min: v[0] ?? 0, median: v[Math.floor(v.length / 2)] ?? 0, max: v[v.length - 1] ?? 0 };
  };
  const takeovers = outcomes.map((o) => o.takeoverMs).filter((t): t is number => t !== null);
  const sum = (f: (o: FaultTrialOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
  return {
    fault, trials: outcomes.length, passed: outcomes.filter((o) => o.passed).length,
    acked: sum((o) => o.acked), lost: sum((o) => o.lost), twoMaster: sum((o) => o.twoMaster), failovers: outcomes.filter((o) => o.failover).length,
    clientWaitMs: spread(outcomes.map((o) => o.clientWaitMs)),
    takeoverMs: takeovers.length === 0 ? null : spread(takeovers),
  };
}
