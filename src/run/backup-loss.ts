// What a primary does when its backup is gone (docs/failover.md). Going on alone is
// only safe if the backup cannot be serving too: it said it is shutting down cleanly,
// or this primary won the witness. Otherwise the primary halts: held replies are never
// released, clients are disconnected so they move to the backup, the exit code is 1.
import type { ClaimResult } from '../replica/witness.js';

export type BackupLossPolicy = 'halt' | 'continue';

export interface BackupLoss {
  readonly reason: string;
  /** The backup sent SHUTDOWN before the connection ended: it will not take over. */
  readonly clean: boolean;
  /** Last epoch the backup acked (-1: none). */
  readonly ackedEpoch: number;
}

export type LossVerdict =
  | { readonly action: 'continue'; readonly line: string }
  | { readonly action: 'halt'; readonly line: string };

export interface LossArbiter {
  readonly policy: BackupLossPolicy;
  /** --witness: the test-and-set; null without one. */
  readonly claim: ((ackedEpoch: number) => ClaimResult) | null;
  readonly witnessPath: string | null;
}

export function decideOnBackupLoss(loss: BackupLoss, a: LossArbiter): LossVerdict {
  const what = `backup lost (${loss.reason}${loss.clean ? '; it announced a clean shutdown' : ''})`;
  if (a.policy === 'halt' && !loss.clean) {
    return { action: 'halt', line: `${what}; halting: unacknowledged output held, clients disconnected (--on-backup-loss continue runs on unprotected${a.claim === null ? '' : ' if it wins the witness'})` };
  }
  if (a.claim !== null) {
    // With a witness even a clean shutdown goes through it: one rule, no trust in the wire.
    const r = a.claim(loss.ackedEpoch);
    if (r.won) return { action: 'continue', line: `${what}; won the witness ${a.witnessPath}: running unprotected from epoch ${loss.ackedEpoch}` };
    return { action: 'halt', line: `${what}; the witness ${a.witnessPath} is ${r.holder}: fenced, unacknowledged output dropped, clients disconnected` };
  }
  if (loss.clean) return { action: 'continue', line: `${what}; running unprotected` };
  return { action: 'continue', line: `${what}; --on-backup-loss continue without --witness: running unprotected (the backup may be serving too)` };
}
