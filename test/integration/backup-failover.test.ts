import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedResult, runTrial, trialSpec, type TrialOutcome } from '../../src/backup/trials.js';
import { CLI, hbftProc, killAll, reportOf, startBackup } from '../helpers/processes.js';

afterEach(killAll);

function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hbft backup: addresses', () => {
  const bad: [string[], string][] = [
    [['backup', '--listen', 'nohost'], '--listen'],
    [['backup', '--listen', '127.0.0.1:99999'], '--listen'],
    [['backup', '--listen', '203.0.113.1:7000'], '--listen'], // not a local address: EADDRNOTAVAIL
    [['backup'], '--listen'],
    [['run', '--backup', 'tcp://127.0.0.1:1', '--ops', '10'], '--backup'],
    [['run', '--backup', 'unix:/nonexistent/dir/b.sock', '--ops', '10'], '--backup'],
    [['run', '--backup', 'carrier-pigeon'], '--backup'],
    [['run', '--kill-primary-at', 'epoch:2'], '--kill-primary-at'],
    [['run', '--witness', '/tmp/w', '--ops', '10'], '--witness'], // inproc: nothing to arbitrate
    [['run', '--backup', 'process', '--witness', '/nonexistent-dir/w', '--ops', '10'], '--witness'],
    [['run', '--backup', 'process', '--on-backup-loss', 'pray', '--ops', '10'], '--on-backup-loss'],
    [['run', '--backup', 'process', '--auth-key', '/etc/hostname', '--ops', '10'], '--auth-key'],
    [['run', '--backup', 'tcp://127.0.0.1:1', '--auth-key', '/nonexistent-key', '--ops', '10'], '--auth-key'],
    [['backup', '--listen', '127.0.0.1:0', '--max-mem', '1000'], '--max-mem'],
    [['backup', '--listen', '127.0.0.1:0', '--auth-key', '/nonexistent-key'], '--auth-key'],
    [['failover-trials', '--fault', 'meteor'], '--fault'],
  ];
  for (const [args, flag] of bad) {
    it(`${args.join(' ')} -> one line naming ${flag}, exit 2`, () => {
      const r = hbft(...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(flag);
    });
  }
});

describe('backup process over a socket', () => {
  it('--backup process: every epoch acked, END, the backup exits cleanly', () => {
    const r = hbft('run', '--workload', 'hotcold', '--vcpus', '2', '--mem', '4MiB', '--ops', '20000', '--epoch-ops', '5000', '--backup', 'process', '--json', '-');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(j.backup).toMatchObject({ committedEpochs: 5, link: 'socket' });
    expect(j.backup.bytesSent).toBeGreaterThan(4 << 20);
    expect(j.epochLog.every((e: { sentBytes: number }) => e.sentBytes > 0)).toBe(true);
    expect(r.stderr).toMatch(/END after the final epoch/);
  });

  it('a stopped primary (connection open) is detected by heartbeat timeout, and the guest finishes', async () => {
    const { proc: backup, port } = await startBackup('--heartbeat-ms', '400');
    const primary = hbftProc('run', '--workload', 'kv', '--mem', '2MiB', '--ops', '400000', '--epoch-ops', '2000', '--seed', '5', '--backup', `tcp://127.0.0.1:${port}`);
    // Freeze the primary once the full copy committed, without closing its socket.
    await backup.waitFor(/committed epoch 0 /);
    primary.child.kill('SIGSTOP');
    const { code } = await backup.exited;
    primary.child.kill('SIGKILL');
    expect(code, backup.err).toBe(0);
    const rep = reportOf(backup);
    expect(rep.session.end).toBe('heartbeat-timeout');
    expect(rep.outcome).toBe('failover');
    expect(rep.failover.result).toBe(expectedResult({ seed: 5, workload: 'kv', vcpus: 1, memBytes: 2 << 20, ops: 400000, epochOps: 2000 }));
  });
});

describe('failover trials', () => {
  it('20 trials: the backup finishes every killed run with the reference result', async () => {
    const outcomes: TrialOutcome[] = [];
    const seeds = Array.from({ length: 20 }, (_, i) => 100 + i);
    // Two trials at a time: each is two processes, mostly waiting on each other.
    for (let i = 0; i < seeds.length; i += 2) {
      outcomes.push(...await Promise.all(seeds.slice(i, i + 2).map((s) => runTrial(trialSpec(s)))));
    }
    const failures = outcomes.filter((o) => !o.passed).map((o) => `seed ${o.spec.seed} ${o.spec.workload}: ${o.reason}`);
    expect(failures).toEqual([]);
    expect(outcomes.every((o) => o.killedAtEpoch !== null && o.resumedFromEpoch !== null)).toBe(true);
  }, 170_000);
});
