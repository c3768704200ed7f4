// The host side of kvserver's network device: a TCP (or Unix) server speaking RESP2.
// Requests are parsed here (src/service/resp.ts) and become entries of the guest's input
// ring; the guest's replies come back through the output buffer (held until their epoch
// is acked) and go out in request order, interleaved with the replies the front end
// gives itself (PING, errors). Every client is bounded: a request at most
// maxRequestBytes, at most maxClients connections, and a client that does not read its
// replies is paused, then dropped.
import type { Server, Socket } from 'node:net';
import { OutputBuffer } from './output-buffer.js';
import { pushRequest } from '../guest/net-device.js';
import type { NetAddress } from '../net/address.js';
import { commandAction, type DeviceRequest } from './kv-commands.js';
import { listenOn } from '../net/listen.js';
import { encodeError, encodeInteger, parseRequest } from './resp.js';

export interface FrontendLimits {
  /** Largest request, in bytes; a bigger one gets a protocol error and the connection closes. */
  readonly maxRequestBytes: number;
  /** Connections served at once; one more is told so and closed (Redis's maxclients). */
  readonly maxClients: number;
  /** A client whose replies back up is paused; dropped if it has not read them within this. */
  readonly stalledClientMs: number;
  /** Requests of one client parsed and not yet answered; beyond, its input waits unparsed. */
  readonly maxPendingReplies: number;
}

export const DEFAULT_FRONTEND_LIMITS: FrontendLimits = { maxRequestBytes: 4096, maxClients: 256, stalledClientMs: 5000, maxPendingReplies: 1024 };
/** How soon a client waiting for ring space tries again. */
const RING_RETRY_MS = 1;

/** One reply owed to a client, in request order. */
interface ReplySlot {
  /** Guest replies still to come for it (0: complete). */
  parts: number;
  /** DEL/EXISTS of several keys: the integer replies are added up. */
  readonly sum: boolean;
  total: bigint;
  reply: Buffer | null;
  /** Close the connection once this reply is written (QUIT, protocol error). */
  readonly close: boolean;
}

interface Client {
  readonly id: number;
  readonly socket: Socket;
  unparsed: Buffer;
  /** Device requests parsed but not yet in the ring (it was full), each with its slot. */
  readonly inbox: { req: DeviceRequest; slot: ReplySlot }[];
  /** Slots in request order; the head is written as soon as it is complete. */
  readonly replies: ReplySlot[];
  /** Slots whose guest replies are still to come, in ring order. */
  readonly awaiting: ReplySlot[];
  /** QUIT or a protocol error: nothing more is read. */
  closing: boolean;
  /** read() is running: a reply written meanwhile must not start another parse. */
  parsing: boolean;
  stalled: NodeJS.Timeout | null;
}

export class KvFrontend {
  private readonly clients = new Map<number, Client>();
  private nextConn = 1;
  private server: Server | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly out: OutputBuffer<{ conn: number; text: string }>;
  private readonly limits: FrontendLimits;
  /** Clients dropped because they did not read their replies. */
  dropped = 0;

  constructor(private readonly ring: Int32Array, outputCommit: boolean, limits: Partial<FrontendLimits> = {}) {
    this.limits = { ...DEFAULT_FRONTEND_LIMITS, ...limits };
    this.out = new OutputBuffer(({ conn, text }) => {
      const c = this.clients.get(conn);
      if (c !== undefined) this.guestReply(c, text);
    }, outputCommit);
  }

  async listen(flag: string, addr: NetAddress): Promise<NetAddress> {
    const { server, bound } = await listenOn(flag, addr, (s) => this.accept(s));
    this.server = server;
    return bound;
  }

  /** A reply (RESP wire form, latin1) the guest produced in `epoch` (-1: an unprotected guest). */
  output(epoch: number, conn: number, text: string): void {
    this.out.push(epoch, { conn, text });
  }

  ack(epoch: number): void {
    this.out.ack(epoch);
  }

  get released(): number {
    return this.out.released;
  }

  get connections(): number {
    return this.clients.size;
  }

  close(): void {
    this.server?.close();
    if (this.retry !== null) clearTimeout(this.retry);
    for (const c of this.clients.values()) c.socket.destroy();
  }

  private accept(s: Socket): void {
    if (this.clients.size >= this.limits.maxClients) {
      s.on('error', () => s.destroy()); // the refused client may be gone already
      s.end(encodeError('ERR max number of clients reached'));
      return;
    }
    while (this.clients.has(this.nextConn)) this.nextConn = (this.nextConn % 0x7fffffff) + 1; // ids fit the ring's Int32 word
    const c: Client = { id: this.nextConn, socket: s, unparsed: Buffer.alloc(0), inbox: [], replies: [], awaiting: [], closing: false, parsing: false, stalled: null };
    this.nextConn = (this.nextConn % 0x7fffffff) + 1;
    this.clients.set(c.id, c);
    s.setNoDelay(true);
    s.on('error', () => s.destroy()); // a client gone mid-reply; its requests stay served
    s.on('close', () => {
      if (c.stalled !== null) clearTimeout(c.stalled);
      this.clients.delete(c.id);
    });
    s.on('data', (chunk: Buffer) => this.read(c, chunk));
    s.on('drain', () => {
      if (c.stalled !== null) clearTimeout(c.stalled);
      c.stalled = null;
      this.flow(c);
    });
  }

  private read(c: Client, chunk: Buffer): void {
    if (c.closing) return;
    const buf = c.unparsed.length === 0 ? chunk : chunk.length === 0 ? c.unparsed : Buffer.concat([c.unparsed, chunk]);
    let at = 0;
    c.parsing = true;
    // A client pipelining faster than it is answered stops being parsed at maxPendingReplies:
    // what it sent stays unparsed (at most one socket read, as reading pauses) until replies go out.
    while (!c.closing && c.replies.length < this.limits.maxPendingReplies) {
      const r = parseRequest(buf, at, this.limits.maxRequestBytes);
      if (r.kind === 'incomplete') break;
      if (r.kind === 'protocol-error') {
        this.localReply(c, encodeError(`ERR ${r.message}`), true);
        break;
      }
      at += r.bytes;
      if (r.kind === 'empty') continue;
      const action = commandAction(r.args);
      if (action.kind === 'local') {
        this.localReply(c, action.reply, action.close);
        continue;
      }
      const slot: ReplySlot = { parts: action.requests.length, sum: action.sum, total: 0n, reply: null, close: false };
      c.replies.push(slot);
      c.awaiting.push(slot);
      for (const req of action.requests) c.inbox.push({ req, slot });
    }
    c.parsing = false;
    c.unparsed = c.closing ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    this.pump(c);
  }

  private localReply(c: Client, reply: Buffer, close: boolean): void {
    if (close) c.closing = true;
    c.replies.push({ parts: 0, sum: false, total: 0n, reply, close });
    this.flush(c);
  }

  /** Move parsed requests into the ring while it has room; retry soon when it has none. */
  private pump(c: Client): void {
    while (c.inbox.length > 0 && pushRequest(this.ring, c.id, c.inbox[0]!.req.op, c.inbox[0]!.req.key, c.inbox[0]!.req.value)) c.inbox.shift();
    if (c.inbox.length > 0 && this.retry === null) {
      this.retry = setTimeout(() => {
        this.retry = null;
        for (const other of this.clients.values()) if (other.inbox.length > 0) this.pump(other);
      }, RING_RETRY_MS);
    }
    this.flow(c);
  }

  private guestReply(c: Client, text: string): void {
    const slot = c.awaiting[0];
    if (slot === undefined) return; // cannot happen: one reply per ring entry, in ring order
    const reply = Buffer.from(text, 'latin1');
    if (!slot.sum) slot.reply = reply;
    else if (reply[0] === 0x3a /* ':' */) slot.total += BigInt(text.slice(1, -2));
    else slot.reply ??= reply; // an error part: the whole command answers with it
    if (--slot.parts === 0) {
      c.awaiting.shift();
      if (slot.sum) slot.reply ??= encodeInteger(slot.total);
      this.flush(c);
    }
  }

  /** Write the complete replies at the head, in order. */
  private flush(c: Client): void {
    while (c.replies.length > 0 && c.replies[0]!.parts === 0) {
      const slot = c.replies.shift()!;
      if (c.socket.destroyed) return;
      const ok = c.socket.write(slot.reply!);
      if (slot.close) {
        c.socket.end();
        return;
      }
      if (!ok && c.stalled === null) {
        // The client is not reading: stop reading its requests; drop it if it stays so.
        c.stalled = setTimeout(() => {
          this.dropped++;
          c.socket.destroy();
        }, this.limits.stalledClientMs);
      }
    }
    // Parsing resumes once half the backlog is out, so the remainder is not re-copied per reply.
    if (!c.parsing && c.unparsed.length > 0 && c.replies.length <= this.limits.maxPendingReplies / 2) this.read(c, Buffer.alloc(0));
    else this.flow(c);
  }

  /**
   * Read from a client only while its requests fit the ring, its replies are being read and
   * what it sent before is parsed (unparsed input past one request means a backlog).
   */
  private flow(c: Client): void {
    if (c.socket.destroyed) return;
    const backlog = c.replies.length >= this.limits.maxPendingReplies || c.unparsed.length >= this.limits.maxRequestBytes;
    if (c.inbox.length > 0 || c.stalled !== null || c.closing || backlog) c.socket.pause();
    else c.socket.resume();
  }
}
