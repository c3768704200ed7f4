import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * A single-node Slurm for one test: MUNGE, slurmctld and slurmd from the system's
 * packages, every file (key, socket, state, spool, logs) in one directory of the test's,
 * on free local ports, so it neither needs nor touches a Slurm the machine may run.
 */

const DAEMONS = { munged: '/usr/sbin/munged', slurmctld: '/usr/sbin/slurmctld', slurmd: '/usr/sbin/slurmd' } as const;
const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'sinfo'] as const;
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

/** Why this machine cannot start a Slurm, or null when it can. */
export function slurmMissing(): string | null {
  const missing = [
    ...Object.values(DAEMONS).filter((p) => !existsSync(p)),
    ...CLIENTS.filter((c) => spawnSync('which', [c]).status !== 0),
  ];
  if (missing.length > 0) return `Slurm/MUNGE not installed (missing ${missing.join(', ')}; Debian: apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'slurmd must run as root to start job steps';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface Slurm {
  /** environment for the Slurm clients: SLURM_CONF names this cluster's slurm.conf */
  env: NodeJS.ProcessEnv;
  conf: string;
  /** one line per finished job (jobcomp/filetxt): what sacct would show without slurmdbd */
  completions(): string;
  stop(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, check: () => boolean, logs: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`slurm: ${what} not ready after ${READY_TIMEOUT_MS} ms\n${logs()}`);
    await sleep(POLL_MS);
  }
}

function slurmConf(dir: string, node: string, ports: { ctld: number; slurmd: number }): string {
  return [
    'ClusterName=hbfttest',
    `SlurmctldHost=${node}(127.0.0.1)`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${join(dir, 'munge', 'munge.socket')}`,
    `SlurmctldPort=${ports.ctld}`,
    `SlurmdPort=${ports.slurmd}`,
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    // the node is declared with 2 CPUs whatever the machine has, so --cpus-per-task=2 fits
    'SlurmdParameters=config_overrides',
    'ReturnToService=2',
    'MpiDefault=none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${join(dir, 'jobcomp.log')}`,
    `NodeName=${node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
    `PartitionName=hbft Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

/** Starts MUNGE, slurmctld and slurmd in `dir` and waits until the node is idle. */
export async function startSlurm(dir: string): Promise<Slurm> {
  const mungeDir = join(dir, 'munge');
  for (const d of [mungeDir, join(dir, 'state'), join(dir, 'spool')]) mkdirSync(d, { recursive: true });
  // munged wants its socket directory searchable by all and its key readable by it alone
  chmodSync(mungeDir, 0o711);
  const key = join(mungeDir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const node = hostname().split('.')[0] ?? 'localhost';
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, node, { ctld: await freePort(), slurmd: await freePort() }));
  const env = { ...process.env, SLURM_CONF: conf };
  const children: { name: string; proc: ChildProcess; out: string[] }[] = [];
  const logs = (): string =>
    children.map((c) => `--- ${c.name} (exit ${c.proc.exitCode ?? 'running'})\n${c.out.join('').slice(-2000)}`).join('\n');
  // Foreground daemons (-F / -D): each is a child of this process, stopped by its pid.
  const start = (name: string, file: string, args: string[]): void => {
    const proc = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    proc.stdout?.on('data', (b: Buffer) => out.push(b.toString()));
    proc.stderr?.on('data', (b: Buffer) => out.push(b.toString()));
    children.push({ name, proc, out });
  };
  const stop = async (): Promise<void> => {
    for (const c of [...children].reverse()) {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
      c.proc.kill('SIGTERM');
      const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    start('munged', DAEMONS.munged, [
      '-F', '--force', `--socket=${join(mungeDir, 'munge.socket')}`, `--key-file=${key}`,
      `--log-file=${join(mungeDir, 'munged.log')}`, `--pid-file=${join(mungeDir, 'munged.pid')}`,
      `--seed-file=${join(mungeDir, 'munged.seed')}`,
    ]);
    await waitFor('munged', () => existsSync(join(mungeDir, 'munge.socket')), logs);
    start('slurmctld', DAEMONS.slurmctld, ['-D', '-i', '-f', conf]);
    start('slurmd', DAEMONS.slurmd, ['-D', '-f', conf, '-N', node]);
    await waitFor('the node', () => {
      const r = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8' });
      return r.status === 0 && r.stdout.trim() === 'idle';
    }, logs);
  } catch (e) {
    await stop();
    throw e;
  }
  const completions = (): string => {
    const file = join(dir, 'jobcomp.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  return { env, conf, completions, stop };
}

/** Runs a Slurm client; throws with its stderr when it fails. */
export function slurmCmd(slurm: Slurm, cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { env: slurm.env, cwd, encoding: 'utf8' });
}

/** Waits until none of `jobs` is queued or running; returns the squeue lines seen on the way. */
export async function waitForJobs(slurm: Slurm, jobs: string[], timeoutMs: number): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = slurmCmd(slurm, 'squeue', ['-h', '-j', jobs.join(','), '-o', '%i %j %T %R']).trim();
    if (out === '') return seen;
    for (const line of out.split('\n')) if (!seen.includes(line)) seen.push(line);
    if (Date.now() > deadline) throw new Error(`slurm: jobs ${jobs.join(',')} still queued after ${timeoutMs} ms:\n${out}`);
    await sleep(500);
  }
}
