import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Witness } from '../../../src/replica/witness.js';
import { decideOnBackupLoss, type LossArbiter } from '../../../src/run/backup-loss.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'hbft-witness-'));
  dirs.push(d);
  return join(d, 'witness');
}

describe('witness: exclusive create is the test-and-set', () => {
  it('the first claim wins and records who and from which epoch; every later claim loses and names the holder', () => {
    const path = fresh();
    const a = new Witness(path).claim('backup', 41);
    expect(a.won).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ role: 'backup', pid: process.pid, epoch: 41 });
    const b = new Witness(path).claim('primary', 40);
    expect(b).toEqual({ won: false, holder: expect.stringMatching(/^held by backup pid \d+ on .*, epoch 41$/) });
  });

  it('start-up: an existing witness or an unwritable directory is reported', () => {
    const path = fresh();
    expect(new Witness(path).unusable()).toBeNull();
    writeFileSync(path, '');
    expect(new Witness(path).unusable()).toMatch(/already exists \(held, claim being written\)/);
    expect(new Witness('/nonexistent-dir/w').unusable()).toMatch(/^cannot create \/nonexistent-dir\/w: ENOENT/);
  });
});

describe('what a primary does when its backup is lost', () => {
  const claims: string[] = [];
  const arb = (policy: 'halt' | 'continue', won: boolean | null): LossArbiter => ({
    policy, witnessPath: won === null ? null : '/w',
    claim: won === null ? null : (epoch) => (claims.push(`claim ${epoch}`), won ? { won: true, claim: { role: 'primary', pid: 1, host: 'h', epoch, at: 0 } } : { won: false, holder: 'held by backup' }),
  });
  const cases: [string, boolean, ReturnType<typeof arb>, 'halt' | 'continue', RegExp, number][] = [
    ['no witness, default', false, arb('halt', null), 'halt', /halting: unacknowledged output held/, 0],
    ['no witness, clean shutdown', true, arb('halt', null), 'continue', /clean shutdown\); running unprotected/, 0],
    ['no witness, continue (Remus)', false, arb('continue', null), 'continue', /the backup may be serving too/, 0],
    ['witness won', false, arb('continue', true), 'continue', /won the witness \/w: running unprotected from epoch 7/, 1],
    ['witness lost', false, arb('continue', false), 'halt', /is held by backup: fenced/, 1],
    ['witness lost after a clean shutdown', true, arb('halt', false), 'halt', /fenced/, 1],
    ['witness, halt policy: no claim', false, arb('halt', true), 'halt', /halting/, 0],
  ];
  for (const [name, clean, a, action, line, claimed] of cases) {
    it(name, () => {
      claims.length = 0;
      const v = decideOnBackupLoss({ reason: 'connection closed', clean, ackedEpoch: 7 }, a);
      expect(v.action).toBe(action);
      expect(v.line).toMatch(line);
      expect(claims).toHaveLength(claimed);
    });
  }
});
