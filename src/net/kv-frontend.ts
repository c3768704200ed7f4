// The host side of kvserver's network device: a TCP (or Unix) server whose request
// lines become entries of the guest's input ring, and whose replies come back from
// the guest through the output buffer (held until their epoch is acked).
import type { Server, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { OutputBuffer } from '../output/output-buffer.js';
import { OP_GET, OP_SET, pushRequest } from '../run/net-device.js';
import type { NetAddress } from './address.js';
import { listenOn } from './listen.js';

const U32 = /^\d{1,10}$/;

export class KvFrontend {
  private readonly conns = new Map<number, Socket>();
  private nextConn = 1;
  private server: Server | null = null;
  private readonly out: OutputBuffer<{ conn: number; text: string }>;

  constructor(private readonly ring: Int32Array, outputCommit: boolean) {
    this.out = new OutputBuffer(({ conn, text }) => {
      const s = this.conns.get(conn);
      if (s !== undefined && !s.destroyed) s.write(text + '\n');
    }, outputCommit);
  }

  async listen(flag: string, addr: NetAddress): Promise<NetAddress> {
    const { server, bound } = await listenOn(flag, addr, (s) => this.accept(s));
    this.server = server;
    return bound;
  }

  /** A reply the guest produced in `epoch` (-1: an unprotected guest). */
  output(epoch: number, conn: number, text: string): void {
    this.out.push(epoch, { conn, text });
  }

  ack(epoch: number): void {
    this.out.ack(epoch);
  }

  get released(): number {
    return this.out.released;
  }

  close(): void {
    this.server?.close();
    for (const s of this.conns.values()) s.destroy();
  }

  private accept(s: Socket): void {
    const conn = this.nextConn++;
    this.conns.set(conn, s);
    s.setNoDelay(true);
    s.on('error', () => s.destroy()); // a client gone mid-reply; its requests stay served
    s.on('close', () => this.conns.delete(conn));
    const lines = createInterface({ input: s });
    lines.on('error', () => s.destroy()); // readline re-emits the socket's error
    lines.on('line', (line) => {
      const [cmd, key, value] = line.trim().split(/\s+/);
      const ok = cmd === 'SET' ? U32.test(key ?? '') && U32.test(value ?? '') : cmd === 'GET' && U32.test(key ?? '');
      if (!ok) {
        s.write('ERR bad request\n'); // refused before the guest: not guest output
        return;
      }
      if (!pushRequest(this.ring, conn, cmd === 'SET' ? OP_SET : OP_GET, Number(key), cmd === 'SET' ? Number(value) : 0)) {
        s.write('ERR busy\n');
      }
    });
  }
}
