// The bundled kvserver load client, speaking RESP2 like redis-cli: SETs with unique values and GETs, one request in
// flight, retried on the next address when the connection drops. At the end it asks
// every address whether it accepts writes, and reads every acknowledged key back from
// each that does (docs/failover.md): a write acked and then missing is lost; writes
// acked by a replica after its successor began acking, or more than one address
// accepting writes at the end, are two-master events.
import { connect, type Socket } from 'node:net';
import { formatAddress, type NetAddress } from '../net/address.js';
import { HbftError, type HbftErrorOptions } from '../base/errors.js';
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
  /** Writes acked by a replica after another one started acking, plus 1 if several accept writes at the end. */
  twoMasterEvents: number;
  /** Addresses that acknowledged a probe SET at the end (where the read-back happened). */
  acceptingAtEnd: string[];
  /** GETs of acknowledged keys at the end, over all accepting addresses. */
  readBack: number;
  /** Longest any one request waited for its answer, retries included (ms). */
  maxWaitMs: number;
  /** Addresses in the order they first acknowledged a write. */
  mastersSeen: string[];
}

/** What one worker saw acknowledged: key -> value, and values sent since (a retry may have landed). */
interface WorkerWrites {
  readonly acked: Map<number, number>;
  readonly sentSinceAck: Map<number, Set<number>>;
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
  const report: KvClientReport = {
    writesAcked: 0, writesLost: 0, reads: 0, reconnects: 0, lost: [], twoMasterEvents: 0, acceptingAtEnd: [], readBack: 0, maxWaitMs: 0, mastersSeen: [],
  };
  // Output commit makes each reply wait for its epoch's ack: throughput needs many
  // requests in flight, one per worker, each on its own keys so per-key order holds.
  const keysEach = Math.max(1, Math.floor(o.keys / o.concurrency));
  const masters = new MasterLog(o.addrs.length);
  const writes = await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(o, report, masters, w * keysEach, keysEach, w)));
  report.mastersSeen = masters.order.map((i) => formatAddress(o.addrs[i]!));
  await verifyAtEnd(o, report, writes, keysEach * o.concurrency);
  return report;
}

/**
 * When each address first acknowledged a write. A write sent after a later-starting
 * replica began acking, yet acknowledged by an earlier one, came from a master that had
 * been superseded: a legitimate failover never does that, because the old primary
 * releases only replies of epochs its backup acked before taking over.
 */
export class MasterLog {
  private readonly firstAckAt: (number | null)[];
  readonly order: number[] = [];

  constructor(addresses: number, private readonly now: () => number = Date.now) {
    this.firstAckAt = Array.from({ length: addresses }, () => null);
  }

  /** A write sent at `sentAt` was acked by address `at`; true if that is a two-master event. */
  acked(at: number, sentAt: number): boolean {
    const now = this.now();
    const mine = this.firstAckAt[at] ?? now;
    if (this.firstAckAt[at] === null) {
      this.firstAckAt[at] = now;
      this.order.push(at);
    }
    return this.firstAckAt.some((t, i) => i !== at && t !== null && t > mine && t < sentAt);
  }
}

async function worker(o: KvClientOptions, report: KvClientReport, masters: MasterLog, keyBase: number, keys: number, w: number): Promise<WorkerWrites> {
  const acked = new Map<number, number>();
  const sentSinceAck = new Map<number, Set<number>>(); // a later SET may have executed unacked
  let at = 0;
  let conn: Conn | null = null;
  // Which address answered the last request, and when its last attempt was sent.
  let answeredBy = 0;
  let sentAt = 0;
  const request = async (line: string): Promise<string> => {
    let failingSince: number | null = null;
    const startedAt = Date.now();
    for (;;) {
      try {
        if (conn === null) conn = await open(o.addrs[at]!);
        sentAt = Date.now();
        const reply = await conn.request(line, o.requestTimeoutMs);
        if (reply.startsWith('ERR max number of clients')) throw new KvClientError('server full');
        answeredBy = at;
        report.maxWaitMs = Math.max(report.maxWaitMs, Date.now() - startedAt);
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
      if (masters.acked(answeredBy, sentAt)) report.twoMasterEvents++;
      if (++report.writesAcked % 100 === 0) o.progress?.(`acked ${report.writesAcked} writes`);
    } else {
      check(key, await request(`GET ${key}`));
      report.reads++;
    }
  }
  (conn as Conn | null)?.socket.destroy(); // assigned inside request(): TS cannot see it
  return { acked, sentSinceAck };
}

/** How many connections per address read acknowledged keys back at the end. */
const READ_BACK_CONNS = 16;

/**
 * Asks each address to take a write (a SET of `probeKey`, outside every worker's keys);
 * each that does is a replica accepting writes, and every acknowledged key is read back
 * from it. More than one such address is a two-master event; none means the writes
 * cannot be verified, which counts every acknowledged key as lost.
 */
async function verifyAtEnd(o: KvClientOptions, report: KvClientReport, writes: readonly WorkerWrites[], probeKey: number): Promise<void> {
  const accepting: NetAddress[] = [];
  for (const addr of o.addrs) {
    const c = await open(addr).catch(() => null); // refused or unreachable: not accepting
    if (c === null) continue;
    const reply = await c.request(`SET ${probeKey} ${Date.now() % 1e9}`, o.requestTimeoutMs).catch((e: Error) => `no reply (${e.message})`);
    c.socket.destroy();
    if (reply === 'OK') accepting.push(addr);
  }
  report.acceptingAtEnd = accepting.map(formatAddress);
  if (accepting.length > 1) report.twoMasterEvents++;
  const keys: [number, WorkerWrites][] = [];
  for (const w of writes) for (const k of w.acked.keys()) keys.push([k, w]);
  if (accepting.length === 0) {
    o.progress?.(`no address accepts writes at the end: ${keys.length} acknowledged keys unverifiable, counted lost`);
    report.writesLost += keys.length;
    return;
  }
  let worst = 0;
  for (const addr of accepting) {
    let lost = 0;
    let next = 0;
    const reader = async () => {
      const c = await open(addr);
      try {
        while (next < keys.length) {
          const [key, w] = keys[next++]!;
          const reply = await c.request(`GET ${key}`, o.requestTimeoutMs);
          report.readBack++;
          const read = reply.startsWith('VALUE ') ? Number(reply.slice(6)) : NaN;
          if (read === w.acked.get(key) || w.sentSinceAck.get(key)?.has(read)) continue;
          lost++;
          if (report.lost.length < 5) report.lost.push({ key, acked: w.acked.get(key)!, read: `${reply} (from ${formatAddress(addr)})` });
        }
      } finally {
        c.socket.destroy();
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_BACK_CONNS, Math.max(1, keys.length)) }, reader));
    worst = Math.max(worst, lost);
  }
  report.writesLost += worst;
}
