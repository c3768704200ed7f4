import { afterEach, describe, expect, it } from 'vitest';
import { freePort, hbftProc, killAll, startBackup } from '../helpers/processes.js';

afterEach(killAll);


/** Primary kvserver + backup + load client; SIGKILL the primary mid-load; the client's report. */
async function failoverUnderLoad(outputCommit: boolean) {
  const [p1, p2] = [await freePort(), await freePort()];
  const { proc: backup, port } = await startBackup('--serve', `127.0.0.1:${p2}`);
  const primary = hbftProc('run', '--workload', 'kvserver', '--serve', `127.0.0.1:${p1}`, '--mem', '4MiB', '--ops', '1000000',
    '--epoch-ms', outputCommit ? '50' : '300', '--backup', `tcp://127.0.0.1:${port}`, ...(outputCommit ? [] : ['--no-output-commit']));
  await primary.waitFor(/kvserver serving on/);
  const client = hbftProc('client', 'kv', '--connect', `127.0.0.1:${p1},127.0.0.1:${p2}`, '--duration', '6s', '--keys', '2048', '--json', '-');
  // Without output commit replies flow fast: wait longer so the load is well under way.
  await client.waitFor(outputCommit ? /acked 300 writes/ : /acked 2000 writes/);
  // A crash at an arbitrary point of an epoch. Without output commit, the writes acked
  // since the last checkpoint (longer epochs: more of them) are what failover loses.
  primary.child.kill('SIGKILL');
  await backup.waitFor(/failover: kvserver serving on/);
  await client.exited;
  expect(client.out, client.err).toMatch(/writesAcked/);
  return JSON.parse(client.out);
}

describe('kvserver: output commit across failover', () => {
  it('with output commit, no acknowledged write is lost', async () => {
    const r = await failoverUnderLoad(true);
    expect(r.reconnects).toBeGreaterThan(0);
    expect(r.writesAcked).toBeGreaterThan(300);
    expect(r.writesLost).toBe(0);
  }, 60_000);

  it('with --no-output-commit, failover loses acknowledged writes', async () => {
    const r = await failoverUnderLoad(false);
    expect(r.reconnects).toBeGreaterThan(0);
    expect(r.writesLost).toBeGreaterThan(0);
  }, 60_000);
});
