// A TCP relay between a primary and its backup that can go silent in one direction
// (failover trials, docs/failover.md). While a direction is blocked its bytes and its
// close are held, as a partitioned network holds them in retransmission; heal() lets
// them through in order. The other direction keeps flowing.
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Direction = 'to-backup' | 'to-primary';

class Pipe {
  blocked = false;
  private held: Buffer[] = [];
  private endHeld = false;

  constructor(private readonly to: Socket) {}

  data(chunk: Buffer): void {
    if (this.blocked) this.held.push(chunk);
    else if (!this.to.destroyed) this.to.write(chunk);
  }

  end(): void {
    if (this.blocked) this.endHeld = true;
    else this.to.destroy();
  }

  heal(): void {
    this.blocked = false;
    for (const c of this.held.splice(0)) if (!this.to.destroyed) this.to.write(c);
    if (this.endHeld) this.to.destroy();
  }
}

export class PartitionProxy {
  private server: Server | null = null;
  private readonly pipes: Record<Direction, Pipe[]> = { 'to-backup': [], 'to-primary': [] };
  private blocked: Direction | null = null;

  constructor(private readonly backupPort: number, private readonly host = '127.0.0.1') {}

  /** Listens on a free loopback port; resolves with it. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = (this.server = createServer((primary) => this.relay(primary)));
      server.once('error', reject);
      server.listen(0, this.host, () => resolve((server.address() as { port: number }).port));
    });
  }

  block(direction: Direction): void {
    this.blocked = direction;
    for (const p of this.pipes[direction]) p.blocked = true;
  }

  heal(): void {
    if (this.blocked === null) return;
    for (const p of this.pipes[this.blocked]) p.heal();
    this.blocked = null;
  }

  close(): void {
    this.server?.close();
  }

  private relay(primary: Socket): void {
    const backup = connect(this.backupPort, this.host);
    const toBackup = new Pipe(backup);
    const toPrimary = new Pipe(primary);
    toBackup.blocked = this.blocked === 'to-backup';
    toPrimary.blocked = this.blocked === 'to-primary';
    this.pipes['to-backup'].push(toBackup);
    this.pipes['to-primary'].push(toPrimary);
    primary.on('data', (c: Buffer) => toBackup.data(c));
    backup.on('data', (c: Buffer) => toPrimary.data(c));
    // An error is a close here: the relay's job is only to pass (or hold) it on.
    primary.on('error', () => primary.destroy());
    backup.on('error', () => backup.destroy());
    primary.on('close', () => toBackup.end());
    backup.on('close', () => toPrimary.end());
  }
}
