// What `hbft backup` reports when it ends (its --json and state-dir file), read back by
// the failover trials.
import type { SessionOutcome } from './backup-session.js';
import type { FailoverOutcome } from './failover.js';

export interface BackupReport {
  readonly role: 'backup';
  /**
   * clean: END received; failover: guest resumed and finished; kept: image kept, no
   * failover (--no-failover or a refused stream); fenced: the witness was lost;
   * shutdown: SIGTERM, the primary was told; failed: nothing to resume.
   */
  readonly outcome: 'clean' | 'failover' | 'failed' | 'kept' | 'fenced' | 'shutdown';
  readonly session: SessionOutcome;
  /** Connections refused or ended before a full copy was committed. */
  readonly refusedConnections: number;
  readonly committedEpoch: number;
  readonly epochsApplied: number;
  readonly finalCommitted: boolean;
  readonly imageCrc: number;
  readonly streamError: { code: string; message: string } | null;
  readonly failover: (FailoverOutcome & { workload: string; opsLimit: number | null; servingAt: number | null }) | null;
}
