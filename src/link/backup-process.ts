// `hbft run --backup process`: a local `hbft backup` child on a Unix socket in a temp
// dir, so one command exercises the real two-process path.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../base/worker-path.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';

export class BackupProcessError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('BACKUP_PROCESS', message, options);
  }
}

export interface BackupChild {
  readonly child: ChildProcess;
  readonly socketPath: string;
  /** Resolves with the exit code once the child exits; removes the temp dir. */
  readonly exited: Promise<number | null>;
}

export function cliPath(): string {
  return join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
}

export function spawnBackupChild(extraArgs: readonly string[] = []): Promise<BackupChild> {
  const dir = mkdtempSync(join(tmpdir(), 'hbft-backup-'));
  const socketPath = join(dir, 'backup.sock');
  const child = spawn(process.execPath, [cliPath(), 'backup', '--listen', `unix:${socketPath}`, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    rmSync(dir, { recursive: true, force: true });
    resolve(code);
  }));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let ready = false;
    lines.on('line', (line) => {
      if (!ready && line.includes('listening on')) {
        ready = true;
        resolve({ child, socketPath, exited });
      } else process.stderr.write(`${line}\n`); // the child's report, after the run
    });
    void exited.then((code) => {
      if (!ready) reject(new BackupProcessError(`backup process exited with code ${code} before listening`));
    });
  });
}
