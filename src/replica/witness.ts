// Split-brain arbitration (docs/failover.md): both replicas name one file on storage
// they can both reach. Creating it exclusively (O_CREAT|O_EXCL) is the atomic
// test-and-set, as VMware FT does it on shared storage: exactly one side can win, and a
// side may go live alone (backup taking over, primary running unprotected) only after
// winning. The winner writes who it is and the epoch it goes live from.
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { HbftError } from '../base/errors.js';

export interface WitnessClaim {
  readonly role: 'primary' | 'backup';
  readonly pid: number;
  readonly host: string;
  /** Primary: last epoch the backup acked. Backup: the committed epoch it resumes from. */
  readonly epoch: number;
  readonly at: number;
}

export type ClaimResult =
  | { readonly won: true; readonly claim: WitnessClaim }
  | { readonly won: false; readonly holder: string };

/** The witness file could not be read or created. */
export class WitnessError extends HbftError {
  constructor(message: string) {
    super('WITNESS', message);
  }
}

export class Witness {
  constructor(readonly path: string) {}

  /** Start-up check: why the witness cannot be used (it exists, or its directory is not writable), or null. */
  unusable(): string | null {
    if (existsSync(this.path)) return `${this.path} already exists (${this.holder()}); a fenced pair restarts only after it is removed`;
    try {
      accessSync(dirname(this.path), constants.W_OK);
    } catch (e) {
      return `cannot create ${this.path}: ${(e as Error & { code?: string }).code ?? (e as Error).message}`;
    }
    return null;
  }

  /** The test-and-set: true only for the one caller whose exclusive create succeeded. */
  claim(role: WitnessClaim['role'], epoch: number): ClaimResult {
    const claim: WitnessClaim = { role, pid: process.pid, host: hostname(), epoch, at: Date.now() };
    let fd: number;
    try {
      fd = openSync(this.path, 'wx');
    } catch (e) {
      if ((e as Error & { code?: string }).code === 'EEXIST') return { won: false, holder: this.holder() };
      throw new WitnessError(`claim witness ${this.path}: ${(e as Error).message}`);
    }
    try {
      writeSync(fd, JSON.stringify(claim) + '\n');
    } finally {
      closeSync(fd);
    }
    return { won: true, claim };
  }

  /** Who holds it, for messages ("backup pid 123 on host, epoch 7"). */
  holder(): string {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      return `unreadable: ${(e as Error & { code?: string }).code ?? (e as Error).message}`;
    }
    try {
      const c = JSON.parse(text) as Partial<WitnessClaim>;
      return `held by ${String(c.role)} pid ${String(c.pid)} on ${String(c.host)}, epoch ${String(c.epoch)}`;
    } catch {
      // The winner creates the file, then writes: a reader can see it empty for a moment.
      return text.length === 0 ? 'held, claim being written' : 'held, unparsable claim';
    }
  }
}
