// The primary's end of a socket link to `hbft backup`: epochs go out as link frames of
// stream chunks (the chunks are views of the epoch's staging buffer, never copied, and
// handed back through onPagesDone once written),
// heartbeats go out on a timer, and ACK/NACK/HEARTBEAT frames come back. Memory is
// bounded by the checkpointer's ack window (at most maxInFlight epochs unacked), not by
// socket 'drain': a slow backup stalls the guest, as in Remus.
import { writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { BackupImage } from '../replica/backup-image.js';
import type { EpochImage } from '../epoch/epoch-image.js';
import { ConfigError, HbftError, type HbftErrorOptions } from '../base/errors.js';
import type { BackupLink, EpochSent, LinkStats, StreamEncoding, StreamFile } from './backup-link.js';
import { formatAddress, type NetAddress } from '../net/address.js';
import { BackchannelDecoder, FRAME_ACK, FRAME_NACK, FRAME_SHUTDOWN, LINK_DATA, LINK_HEARTBEAT, linkHeader } from './link-frames.js';

export class LinkLostError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('LINK_LOST', message, options);
  }
}

/**
 * Connects, or fails with a one-line ConfigError naming --backup (exit code 2). A backup
 * that takes this connection sends a frame at once (a heartbeat, or its auth challenge);
 * one busy with another session closes it without a byte, so that is retried until the
 * deadline (the other session is dropped by the backup's own timeouts).
 */
export async function connectBackup(addr: NetAddress, timeoutMs = 5000): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  let refusedOnce = false;
  for (;;) {
    const s = await connectOnce(addr, Math.max(1, deadline - Date.now()), timeoutMs);
    const first = await firstBytes(s, Math.max(1, deadline - Date.now()));
    if (first === 'data') return s;
    s.destroy();
    if (first === 'timeout' || Date.now() >= deadline) {
      const why = refusedOnce || first === 'closed' ? 'it closed every connection without a byte (busy with another session?)' : 'it sent nothing';
      throw new ConfigError('--backup', `${formatAddress(addr)} accepted, but ${why} within ${timeoutMs} ms`);
    }
    refusedOnce = true;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function connectOnce(addr: NetAddress, waitMs: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = addr.kind === 'unix' ? connect(addr.path) : connect(addr.port, addr.host);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ConfigError('--backup', `cannot connect to ${formatAddress(addr)}: no answer within ${timeoutMs} ms`));
    }, waitMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (e: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(new ConfigError('--backup', `cannot connect to ${formatAddress(addr)}: ${e.code ?? e.message}`));
    });
  });
}

/** Waits for the first bytes and puts them back (the socket is left paused); or says why none came. */
function firstBytes(s: Socket, waitMs: number): Promise<'data' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const done = (how: 'data' | 'closed' | 'timeout') => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
      s.off('error', onClose);
      resolve(how);
    };
    const onData = (chunk: Buffer) => {
      s.pause();
      s.unshift(chunk);
      done('data');
    };
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('timeout'), waitMs);
    s.on('data', onData);
    s.once('close', onClose);
    s.once('error', onClose);
  });
}

export interface SocketLinkOptions {
  /** How often the primary sends a heartbeat frame. */
  readonly heartbeatMs: number;
  /** SIGKILL this process once this epoch was handed to the kernel and epoch 0 was acked (failover tests). */
  readonly killAfterEpoch: number | null;
  readonly finishTimeoutMs: number;
  /** The backup is declared lost after this long without a frame from it (it sends heartbeats). */
  readonly backupTimeoutMs: number;
}

export class SocketLink implements BackupLink {
  readonly kind = 'socket';
  readonly stats: LinkStats = { bytesSent: 0, plainBytes: 0, ackedEpochs: 0 };
  readonly localImage: BackupImage | null = null;
  readonly mirror = null;
  private killing = false;
  /** The socket writes the page chunks after send() returns. */
  readonly keepsPageViews = true;
  onAck: (epoch: number) => void = () => {};
  onLost: (reason: string, clean: boolean) => void = () => {};
  onPagesDone: (image: EpochImage) => void = () => {};
  private lost: string | null = null;
  /** The backup sent SHUTDOWN: it is leaving and will not take over. */
  private backupLeaving = false;
  private lastHeardAt = Date.now();
  private finishing = false;
  private lastSent = -1;
  private readonly backchannel = new BackchannelDecoder();
  private readonly heartbeat: NodeJS.Timeout;
  private ackWaiter: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly encoding: StreamEncoding,
    private readonly file: StreamFile | null,
    private readonly opts: SocketLinkOptions,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.lastHeardAt = Date.now();
      this.onFrames(chunk);
    });
    socket.on('error', (e) => this.lose(`socket error: ${e.message}`));
    socket.on('close', () => this.lose('connection closed by the backup'));
    socket.resume(); // left paused by the auth handshake, if there was one
    const beat = linkHeader(LINK_HEARTBEAT, 0);
    this.heartbeat = setInterval(() => {
      if (this.lost !== null) return;
      socket.write(beat);
      // A silent backup (partitioned, frozen) is as lost as a closed one. After a stall of
      // this process timers run before pending socket reads: judge after the poll phase.
      if (Date.now() - this.lastHeardAt <= opts.backupTimeoutMs) return;
      setImmediate(() => {
        const quiet = Date.now() - this.lastHeardAt;
        if (this.lost !== null || quiet <= opts.backupTimeoutMs) return;
        this.lose(`nothing heard from the backup for ${quiet} ms (timeout ${opts.backupTimeoutMs} ms)`);
        socket.destroy();
      });
    }, opts.heartbeatMs);
    this.heartbeat.unref();
  }

  send(image: EpochImage): EpochSent {
    const { chunks, plainBytes } = this.encoding.epoch(image);
    this.file?.write(chunks);
    let sentBytes = 0;
    for (const c of chunks) sentBytes += c.length;
    this.stats.bytesSent += sentBytes;
    this.stats.plainBytes += plainBytes;
    this.lastSent = image.epoch;
    if (this.lost !== null) {
      this.onPagesDone(image); // nothing was queued; the file write above is synchronous
      return { sentBytes, plainBytes };
    }
    const last = chunks.length - 1;
    for (let i = 0; i <= last; i++) {
      this.socket.write(linkHeader(LINK_DATA, chunks[i]!.length));
      // Write callbacks run in order, once the kernel holds the bytes: after the last one
      // no queued write reads the epoch's pages. A failed write frees nothing (it may be
      // cut short); the buffer is left to the collector.
      if (i < last) this.socket.write(chunks[i]!);
      else this.socket.write(chunks[i]!, (err) => { if (err == null) this.onPagesDone(image); });
    }
    this.killIfDue();
    return { sentBytes, plainBytes };
  }

  async finish(): Promise<void> {
    // A kill still waiting for epoch 0's ack comes before END, so the backup takes over.
    if (this.killPending()) await this.waitFinalAck().catch(() => {});
    if (this.killPending()) killSelf(this.lastSent);
    // A kill already under way (its write callback is queued) must land before END, or
    // the backup sees a clean end: wait for the SIGKILL instead.
    if (this.killing) return new Promise(() => {});
    const end = this.encoding.end();
    this.file?.write([end]);
    this.stats.bytesSent += end.length;
    this.stats.plainBytes += end.length;
    this.file?.close();
    this.finishing = true;
    if (this.lost === null) {
      this.socket.write(linkHeader(LINK_DATA, end.length));
      this.socket.write(end);
      await this.waitFinalAck();
    }
    clearInterval(this.heartbeat);
    this.socket.end();
  }

  abort(): void {
    this.finishing = true;
    clearInterval(this.heartbeat);
    this.file?.close();
    this.socket.destroy();
  }

  private waitFinalAck(): Promise<void> {
    if (this.stats.ackedEpochs > this.lastSent) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new LinkLostError(`backup: no ack of final epoch ${this.lastSent} within ${this.opts.finishTimeoutMs} ms`)), this.opts.finishTimeoutMs);
      this.ackWaiter = () => {
        if (this.stats.ackedEpochs > this.lastSent || this.lost !== null) {
          clearTimeout(timer);
          this.ackWaiter = null;
          if (this.lost !== null) reject(new LinkLostError(`backup lost before the final ack: ${this.lost}`));
          else resolve();
        }
      };
    });
  }

  /**
   * --kill-primary-at: SIGKILL once epoch N was handed to the kernel. A backup without its
   * full copy has nothing to take over with, so the kill also waits for epoch 0's ack.
   */
  private killIfDue(): void {
    if (!this.killPending() || this.stats.ackedEpochs === 0) return;
    this.killing = true;
    const epoch = this.lastSent;
    this.socket.write(new Uint8Array(0), () => killSelf(epoch));
  }

  private killPending(): boolean {
    const kill = this.opts.killAfterEpoch;
    return kill !== null && !this.killing && this.lastSent >= kill && this.lost === null;
  }

  private onFrames(chunk: Buffer): void {
    let frames;
    try {
      frames = this.backchannel.feed(chunk);
    } catch (e) {
      this.lose((e as Error).message);
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.kind === FRAME_ACK) {
        if (f.epoch !== this.stats.ackedEpochs) {
          this.lose(`ack of epoch ${f.epoch}, expected ${this.stats.ackedEpochs}`);
          this.socket.destroy();
          return;
        }
        this.stats.ackedEpochs++;
        this.onAck(f.epoch);
        this.killIfDue();
        this.ackWaiter?.();
      } else if (f.kind === FRAME_NACK) {
        this.lose(`backup refused epoch ${f.epoch}`);
      } else if (f.kind === FRAME_SHUTDOWN) {
        this.backupLeaving = true;
      }
    }
  }

  private lose(reason: string): void {
    if (this.lost !== null) return;
    this.lost = reason;
    clearInterval(this.heartbeat);
    if (!this.finishing || this.stats.ackedEpochs <= this.lastSent) this.onLost(reason, this.backupLeaving);
    this.ackWaiter?.();
  }
}

/** Failover tests: die like a crashed host, with no chance to close the socket. */
function killSelf(epoch: number): void {
  // writeSync: the line must reach stderr before the signal.
  writeSync(2, `hbft: killing primary after epoch ${epoch} was sent (at ${Date.now()} ms)\n`);
  process.kill(process.pid, 'SIGKILL');
}
