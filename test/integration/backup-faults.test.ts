// The fault table, short: each fault once with a witness, plus the policies without
// one. Every trial's client reads each acknowledged key back from the replica that
// accepts writes at the end: 0 lost, never two masters.
import { afterEach, describe, expect, it } from 'vitest';
import { faultTrialSpec, runFaultTrial, type FaultTrialSpec } from '../../src/backup/fault-trials.js';
import { freePort, hbftProc, killAll, reportOf, startBackup } from '../helpers/processes.js';

afterEach(killAll);

describe('fault trials (short)', () => {
  const cases: [string, FaultTrialSpec, 'primary' | 'backup' | 'either'][] = [
    // Well past the backup's 300 ms timeout: it must take over.
    ['stop 1.2 s', { ...faultTrialSpec('stop', 7, 2500), faultMs: 1200 }, 'backup'],
    // Near the timeout: either side may end up serving, never both.
    ['stop 0.25 s', { ...faultTrialSpec('stop', 8, 2500), faultMs: 250 }, 'either'],
    ['partition primary -> backup', { ...faultTrialSpec('partition', 7, 2500), direction: 'to-backup' }, 'backup'],
    ['partition backup -> primary', { ...faultTrialSpec('partition', 7, 2500), direction: 'to-primary' }, 'primary'],
    ['kill-backup', faultTrialSpec('kill-backup', 7, 2500), 'primary'],
    ['kill-primary', faultTrialSpec('kill-primary', 7, 2500), 'backup'],
  ];
  for (const [name, spec, servedBy] of cases) {
    it(`${name}: no acknowledged write lost, one master (the ${servedBy})`, async () => {
      const o = await runFaultTrial(spec);
      expect(o.reason).toBeNull();
      expect(o.acked).toBeGreaterThan(100);
      expect(o.lost).toBe(0);
      expect(o.twoMaster).toBe(0);
      if (servedBy === 'either') expect(o.servedBy).toBe(o.failover ? 'backup' : 'primary');
      else expect(o.servedBy).toBe(servedBy);
      // The side that lost the witness fenced itself and exited 1 before the trial ended.
      if (servedBy === 'backup' && spec.fault !== 'kill-primary') expect(o.primaryExit).toBe('1');
      if (servedBy === 'primary' && spec.fault !== 'kill-backup') expect(o.backupExit).toBe('1');
    }, 60_000);
  }
});


/** kvserver primary + backup (no witness) + client; SIGSTOP the primary for 1 s mid-load. */
async function frozenPrimary(...primaryFlags: string[]) {
  const [p1, p2] = [await freePort(), await freePort()];
  const { proc: backup, port } = await startBackup('--serve', `127.0.0.1:${p2}`, '--heartbeat-ms', '200');
  const primary = hbftProc('run', '--workload', 'kvserver', '--serve', `127.0.0.1:${p1}`, '--mem', '4MiB', '--ops', '100000000', '--epoch-ms', '50',
    '--backup', `tcp://127.0.0.1:${port}`, '--quiet', ...primaryFlags);
  await primary.waitFor(/kvserver serving on/);
  await backup.waitFor(/committed epoch 0 /);
  const client = hbftProc('client', 'kv', '--connect', `127.0.0.1:${p1},127.0.0.1:${p2}`, '--duration', '3s', '--keys', '1024', '--concurrency', '16', '--json', '-');
  await client.waitFor(/acked 300 writes/);
  primary.child.kill('SIGSTOP');
  await backup.waitFor(/failover: kvserver serving on/);
  primary.child.kill('SIGCONT');
  const { code } = await client.exited;
  return { primary, backup, code, report: JSON.parse(client.out) };
}

describe('a frozen primary without a witness', () => {
  it('default: on SIGCONT it finds its backup gone, holds its output, disconnects clients and exits 1; nothing lost', async () => {
    const { primary, code, report } = await frozenPrimary();
    expect((await primary.exited).code).toBe(1);
    expect(primary.err).toMatch(/backup lost \(.*\); halting: unacknowledged output held, clients disconnected/);
    expect(report).toMatchObject({ writesLost: 0, twoMasterEvents: 0 });
    expect(report.acceptingAtEnd).toHaveLength(1);
    expect(code).toBe(0);
  }, 60_000);

  it('--on-backup-loss continue (Remus): two replicas accept writes, and the client reports it', async () => {
    const { primary, code, report } = await frozenPrimary('--on-backup-loss', 'continue');
    expect(primary.err).toMatch(/--on-backup-loss continue without --witness: running unprotected/);
    expect(report.acceptingAtEnd).toHaveLength(2);
    expect(report.twoMasterEvents).toBeGreaterThan(0);
    expect(code).toBe(1);
  }, 60_000);
});

describe('a backup that shuts down cleanly', () => {
  it('SIGTERM: it tells the primary (SHUTDOWN frame), which goes on alone and finishes with exit 0', async () => {
    const { proc: backup, port } = await startBackup();
    const primary = hbftProc('run', '--workload', 'kv', '--mem', '2MiB', '--ops', '300000', '--epoch-ops', '5000', '--backup', `tcp://127.0.0.1:${port}`, '--quiet');
    await backup.waitFor(/committed epoch 0 /);
    backup.child.kill('SIGTERM');
    expect((await backup.exited).code).toBe(0);
    expect(reportOf(backup).outcome).toBe('shutdown');
    expect((await primary.exited).code, primary.err).toBe(0);
    expect(primary.err).toMatch(/it announced a clean shutdown\); running unprotected/);
  }, 60_000);

  it('SIGKILL instead, no witness: the primary halts with exit 1', async () => {
    const { proc: backup, port } = await startBackup();
    const primary = hbftProc('run', '--workload', 'kv', '--mem', '2MiB', '--ops', '3000000', '--epoch-ops', '5000', '--backup', `tcp://127.0.0.1:${port}`, '--quiet');
    await backup.waitFor(/committed epoch 0 /);
    backup.child.kill('SIGKILL');
    expect((await primary.exited).code).toBe(1);
    expect(primary.err).toMatch(/halting/);
  }, 60_000);
});
