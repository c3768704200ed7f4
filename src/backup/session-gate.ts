// `hbft backup` takes one primary at a time: a connection that arrives while a session
// is live (or being set up) is refused with one log line, the live session untouched.
import type { Socket } from 'node:net';

export /** One session at a time: a connection while one is live is refused and logged, the live one untouched. */
class SessionGate {
  private waiting: ((s: Socket) => void) | null = null;
  refused = 0;

  constructor(private readonly log: (line: string) => void) {}

  offer(s: Socket): void {
    const take = this.waiting;
    if (take === null) {
      this.refused++;
      this.log(`refusing a connection from ${peer(s)}: a session is live`);
      s.destroy();
      return;
    }
    this.waiting = null;
    take(s);
  }

  next(): Promise<Socket> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

export const peer = (s: Socket) => (s.remoteAddress === undefined ? 'a unix peer' : `${s.remoteAddress}:${s.remotePort}`);
