// Where a run's checkpoints go (docs/design.md, Epoch protocol; Backup, stream and link). run-vm hands every epoch
// to a BackupLink and learns of commits through onAck; the links are the in-process
// image (default) and a socket to an `hbft backup` process (src/link/socket-link.ts).
import { closeSync, openSync, writeSync } from 'node:fs';
import { BackupImage } from '../replica/backup-image.js';
import { encodeDeviceState, type GuestRunConfig } from '../replica/device-state.js';
import type { EpochImage } from '../epoch/epoch-image.js';
import { CompressingEncoder } from '../stream/compress.js';
import { encodeEnd, encodeEpoch, encodeStreamHeader } from '../stream/encoder.js';

/** Epochs captured but unacked before the guest waits for the backup (docs/design.md, Epoch protocol, step 6). */
export const MAX_IN_FLIGHT = 4;

export interface LinkStats {
  /** Stream bytes sent (or written, inproc with --stream-out), headers included. */
  bytesSent: number;
  /** What the plain XENF encoding takes; equals bytesSent without --compress. */
  plainBytes: number;
  ackedEpochs: number;
}

export interface EpochSent {
  readonly sentBytes: number;
  readonly plainBytes: number;
}

/** A link says what it needs of an epoch's buffers; run-vm asks, it never guesses from `kind`. */
export interface BackupLink {
  /** For the results only (`backup.link`). */
  readonly kind: 'inproc' | 'socket';
  readonly stats: LinkStats;
  /** The in-process image, for --verify; null when the backup is another process. */
  readonly localImage: BackupImage | null;
  /**
   * The backup's RAM for the checkpointer to copy each dirty page into in the pause,
   * or null: epochs come in staging buffers. Only the in-process image has one.
   */
  readonly mirror: SharedArrayBuffer | null;
  /**
   * send() may keep views of `image.pages` after it returns (a socket writes them later).
   * Epoch 0's pages are guest RAM, still only while the vCPUs are held, so such a link
   * is handed a copy of them.
   */
  readonly keepsPageViews: boolean;
  /** Called with each acked epoch, in order. */
  onAck: (epoch: number) => void;
  /** Called once if the backup is lost; `clean`: it sent SHUTDOWN first (run-vm applies the loss policy). */
  onLost: (reason: string, clean: boolean) => void;
  /**
   * Called once per sent image as soon as the link holds no view of `image.pages`:
   * its staging buffer may be reused. Never called while a write may still read it.
   */
  onPagesDone: (image: EpochImage) => void;
  /** What went out as stream bytes; null when this link encodes no stream. */
  send(image: EpochImage): EpochSent | null;
  /** After the final epoch: END, wait for the last ack, close. */
  finish(): Promise<void>;
  /** Drop the link without END (a failed run). */
  abort(): void;
}

/** Encodes epochs once (plain or compressed) for the socket and the --stream-out file. */
export class StreamEncoding {
  private readonly compressor: CompressingEncoder | null;
  private started = false;

  constructor(compress: boolean, private readonly run: GuestRunConfig) {
    this.compressor = compress ? new CompressingEncoder() : null;
  }

  /** The chunks of one epoch, preceded by the stream header for epoch 0. */
  epoch(image: EpochImage): { chunks: Uint8Array[]; plainBytes: number } {
    const opts = { deviceState: encodeDeviceState({ version: 1, run: this.run }) };
    const chunks: Uint8Array[] = [];
    let headerBytes = 0;
    if (!this.started) {
      chunks.push(this.compressor ? this.compressor.header() : encodeStreamHeader());
      headerBytes = chunks[0]!.length;
      this.started = true;
    }
    const before = this.compressor?.stats.plainBytes ?? 0;
    chunks.push(...(this.compressor ? this.compressor.encodeEpoch(image, opts) : encodeEpoch(image, opts)));
    const sent = chunks.reduce((a, c) => a + c.length, 0);
    // The compressor counts what the same epoch would take as plain records.
    const plainBytes = this.compressor ? this.compressor.stats.plainBytes - before + headerBytes : sent;
    return { chunks, plainBytes };
  }

  end(): Uint8Array {
    return encodeEnd();
  }
}

/** --stream-out: the bare stream (no link framing), written synchronously in order. */
export class StreamFile {
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(chunks: readonly Uint8Array[]): void {
    for (const c of chunks) writeSync(this.fd, c);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * The default: a backup image in this process, acked at once. Without a stream to write
 * it is a mirror: the checkpointer copies the dirty pages straight into it in the pause,
 * so the primary's cores copy each page once, as a primary whose backup is another host
 * does (the backup's own apply is not the primary's work). With --stream-out the
 * epochs come in staging buffers, to be encoded, and the image copies them in send().
 */
export class InprocLink implements BackupLink {
  readonly kind = 'inproc';
  readonly stats: LinkStats = { bytesSent: 0, plainBytes: 0, ackedEpochs: 0 };
  readonly localImage: BackupImage;
  readonly mirror: SharedArrayBuffer | null;
  /** The image copies the pages in send(); --stream-out writes them synchronously. */
  readonly keepsPageViews = false;
  onAck: (epoch: number) => void = () => {};
  onLost: (reason: string, clean: boolean) => void = () => {};
  onPagesDone: (image: EpochImage) => void = () => {};

  /** `mirror` false: epochs come in staging buffers even without a stream (tests drive both). */
  constructor(
    pages: number, vcpus: number, private readonly encoding: StreamEncoding | null, private readonly file: StreamFile | null,
    mirror = encoding === null,
  ) {
    if (mirror && encoding !== null) throw new RangeError('a mirrored in-process backup has no staged pages to encode');
    this.localImage = new BackupImage(pages, vcpus, mirror);
    this.mirror = mirror ? (this.localImage.ram.buffer as SharedArrayBuffer) : null;
  }

  send(image: EpochImage): EpochSent | null {
    let sent: EpochSent | null = null;
    if (this.encoding !== null) {
      const { chunks, plainBytes } = this.encoding.epoch(image);
      this.file?.write(chunks);
      sent = { sentBytes: chunks.reduce((a, c) => a + c.length, 0), plainBytes };
      this.stats.bytesSent += sent.sentBytes;
      this.stats.plainBytes += plainBytes;
    }
    this.localImage.apply(image);
    this.onPagesDone(image);
    this.stats.ackedEpochs++;
    this.onAck(image.epoch);
    return sent;
  }

  async finish(): Promise<void> {
    if (this.encoding !== null) {
      const end = this.encoding.end();
      this.file?.write([end]);
      this.stats.bytesSent += end.length;
      this.stats.plainBytes += end.length;
    }
    this.file?.close();
  }

  abort(): void {
    this.file?.close();
  }
}
