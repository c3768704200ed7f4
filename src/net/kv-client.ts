// The bundled kvserver load client, speaking RESP2 like redis-cli: SETs with unique
// values and GETs, one request in flight, retried on the next address when the
// connection drops; at the end every write it saw acknowledged must still be readable.
import { connect, type Socket } from 'node:net';
import { formatAddress, type NetAddress } from './address.js';
import { HbftError, type HbftErrorOptions } from '../errors.js';
import { encodeCommand, parseReply, type RespReply } from './resp.js';

export interface KvClientOptions {
  readonly addrs: readonly NetAddress[];
  readonly durationMs: number;
  readonly keys: number;
  /** Workers, each with one request in flight on its own connection and keys. */
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  /** Give up after this long without any server answering. */
  readonly giveUpMs: number;
  readonly progress?: (line: string) => void;
}

export interface KvClientReport {
  writesAcked: number;
  writesLost: number;
  reads: number;
  reconnects: number;
  /** A few lost keys, for the message: key, acked value, value read. */
  lost: { key: number; acked: number; read: string }[];
}

export class KvClientError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('KV_CLIENT', message, options);
  }
}

/**
 * A reply as the checks read it: OK (a status), VALUE <bytes> (a bulk), NONE (a null
 * bulk), the error text (ERR ..., OOM ...), or INTEGER <n>.
 */
function replyText(r: RespReply): string {
  switch (r.type) {
    case 'simple': return r.text;
    case 'error': return r.text;
    case 'integer': return `INTEGER ${r.value}`;
    case 'bulk': return r.bytes === null ? 'NONE' : `VALUE ${r.bytes.toString('latin1')}`;
    case 'array': return `ARRAY ${r.items?.length ?? -1}`;
  }
}

/** One connection speaking RESP2, one request in flight. */
class Conn {
  private waiting: { resolve: (l: string) => void; reject: (e: Error) => void } | null = null;
  private closed: Error | null = null;
  private unparsed: Buffer = Buffer.alloc(0);

  constructor(readonly socket: Socket) {
    const fail = (e: Error) => {
      this.closed ??= e;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(e);
    };
    socket.on('data', (chunk: Buffer) => {
      this.unparsed = this.unparsed.length === 0 ? chunk : Buffer.concat([this.unparsed, chunk]);
      let at = 0;
      try {
        for (let r = parseReply(this.unparsed, at); r !== null; r = parseReply(this.unparsed, at)) {
          at = r.next;
          const w = this.waiting;
          this.waiting = null;
          w?.resolve(replyText(r.value));
        }
      } catch (e) {
        fail(e as Error); // a server that does not speak RESP: this connection is useless
        socket.destroy();
      }
      this.unparsed = this.unparsed.subarray(at);
    });
    socket.on('error', (e) => fail(e));
    socket.on('close', () => fail(new KvClientError('connection closed')));
  }

  /** `line`: the command's words, space-separated; sent as a multibulk array. */
  request(line: string, timeoutMs: number): Promise<string> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new KvClientError(`no reply to "${line}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.socket.write(encodeCommand(line.split(' ')));
    });
  }
}

function open(addr: NetAddress): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const s = addr.kind === 'unix' ? connect(addr.path) : connect(addr.port, addr.host);
    s.once('connect', () => { s.setNoDelay(true); resolve(new Conn(s)); });
    s.once('error', reject);
  });
}

export async function runKvClient(o: KvClientOptions): Promise<KvClientReport> {
  const report: KvClientReport = { writesAcked: 0, writesLost: 0, reads: 0, reconnects: 0, lost: [] };
  // Output commit makes each reply wait for its epoch's ack: throughput needs many
  // requests in flight, one per worker, each on its own keys so per-key order holds.
  const keysEach = Math.max(1, Math.floor(o.keys / o.concurrency));
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(o, report, w * keysEach, keysEach, w)));
  return report;
}

async function worker(o: KvClientOptions, report: KvClientReport, keyBase: number, keys: number, w: number): Promise<void> {
  const acked = new Map<number, number>();
  const sentSinceAck = new Map<number, Set<number>>(); // a later SET may have executed unacked
  let at = 0;
  let conn: Conn | null = null;
  const request = async (line: string): Promise<string> => {
    let failingSince: number | null = null;
    for (;;) {
      try {
        if (conn === null) conn = await open(o.addrs[at]!);
        const reply = await conn.request(line, o.requestTimeoutMs);
        if (reply.startsWith('ERR max number of clients')) throw new KvClientError('server full');
        return reply;
      } catch (e) {
        conn?.socket.destroy();
        conn = null;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > o.giveUpMs) throw new KvClientError(`no server answered "${line}" for ${o.giveUpMs} ms (last: ${formatAddress(o.addrs[at]!)}: ${(e as Error).message})`);
        report.reconnects++;
        at = (at + 1) % o.addrs.length;
        await new Promise((r) => setTimeout(r, 20)); // retry pacing while the backup takes over
      }
    }
  };
  // Every read is checked, not only the final ones: a lost write that the load later
  // overwrote would otherwise go unseen. A loss is counted once, then the read is the truth.
  const check = (key: number, reply: string) => {
    const value = acked.get(key);
    if (value === undefined) return;
    const read = reply.startsWith('VALUE ') ? Number(reply.slice(6)) : NaN;
    if (read === value || sentSinceAck.get(key)?.has(read)) return;
    report.writesLost++;
    if (report.lost.length < 5) report.lost.push({ key, acked: value, read: reply });
    if (Number.isNaN(read)) acked.delete(key);
    else acked.set(key, read);
  };
  const deadline = Date.now() + o.durationMs;
  let seq = 0;
  let x = 0x2545f491 ^ (w + 1);
  while (Date.now() < deadline) {
    seq++;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const key = keyBase + (x % keys);
    if (seq % 2 === 1) {
      const value = seq * o.concurrency + w; // unique across workers: a retried SET is idempotent
      let since = sentSinceAck.get(key);
      if (since === undefined) sentSinceAck.set(key, (since = new Set()));
      since.add(value);
      const reply = await request(`SET ${key} ${value}`);
      if (reply !== 'OK') throw new KvClientError(`SET ${key} ${value}: ${reply}`);
      acked.set(key, value);
      since.clear();
      if (++report.writesAcked % 100 === 0) o.progress?.(`acked ${report.writesAcked} writes`);
    } else {
      check(key, await request(`GET ${key}`));
      report.reads++;
    }
  }
  for (const key of [...acked.keys()]) check(key, await request(`GET ${key}`));
  (conn as Conn | null)?.socket.destroy(); // assigned inside request(): TS cannot see it
}
