// The link's frames, both directions of one connection (docs/design.md, Backup, stream and link; docs/stream-format.md).
// Primary -> backup: `u32 magic "HBLK", u32 kind, u32 length`, then `length` stream bytes
// (DATA) or none (HEARTBEAT): the Xen stream has no record a live primary could send when
// it has nothing to checkpoint. Backup -> primary: `u32 magic "HBAK", u32 kind, u64 epoch`
// (ACK, HEARTBEAT, NACK, SHUTDOWN). One header writer and one reassembling decoder serve
// both; a direction is a FrameFormat. A --stream-out file holds the bare stream.
import { HbftError } from '../base/errors.js';
import { StreamError } from '../stream/errors.js';

/** One direction's frame header: magic, kind, then a u32 or u64 field; what it accepts. */
interface FrameFormat {
  readonly magic: number;
  /** Width of the field after the kind: a u32 length or a u64 epoch. */
  readonly fieldBytes: 4 | 8;
  /** Payload bytes that follow an accepted header, or why the header is refused. */
  accept(kind: number, field: bigint): number | string;
  /** The error for a refused header at byte `offset` of the connection. */
  refuse(offset: number, detail: string): HbftError;
}

const MAGIC_AND_KIND = 8;

function headerSize(format: FrameFormat): number {
  return MAGIC_AND_KIND + format.fieldBytes;
}

function encodeHeader(format: FrameFormat, kind: number, field: number): Uint8Array {
  const out = new Uint8Array(headerSize(format));
  const v = new DataView(out.buffer);
  v.setUint32(0, format.magic, true);
  v.setUint32(4, kind, true);
  if (format.fieldBytes === 4) v.setUint32(MAGIC_AND_KIND, field, true);
  else v.setBigUint64(MAGIC_AND_KIND, BigInt(field), true);
  return out;
}

interface FrameSink {
  /** A whole, accepted header; `field` fits a safe integer. */
  frame(kind: number, field: number): void;
  /** Payload bytes of the current frame; a view of the fed chunk, valid during the call. */
  data(bytes: Uint8Array): void;
}

/** Splits any split of a connection's bytes into frames; a refused header fails it for good. */
class FrameDecoder {
  private readonly header: Uint8Array;
  private headerFilled = 0;
  private payloadLeft = 0;
  /** Bytes consumed so far, and where the header being filled began. */
  private offset = 0;
  private frameOffset = 0;
  failure: HbftError | null = null;

  constructor(private readonly format: FrameFormat, private readonly sink: FrameSink) {
    this.header = new Uint8Array(headerSize(format));
  }

  feed(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    let at = 0;
    while (at < chunk.length) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= n;
        this.offset += n;
        this.sink.data(chunk.subarray(at, at + n));
        at += n;
        continue;
      }
      if (this.headerFilled === 0) this.frameOffset = this.offset;
      const n = Math.min(this.header.length - this.headerFilled, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerFilled);
      this.headerFilled += n;
      this.offset += n;
      at += n;
      if (this.headerFilled === this.header.length) this.headerDone();
    }
  }

  private headerDone(): void {
    const v = new DataView(this.header.buffer);
    this.headerFilled = 0;
    const fail = (detail: string): never => {
      this.failure = this.format.refuse(this.frameOffset, detail);
      throw this.failure;
    };
    const magic = v.getUint32(0, true);
    if (magic !== this.format.magic) fail(`magic 0x${magic.toString(16)}`);
    const kind = v.getUint32(4, true);
    const field = this.format.fieldBytes === 4 ? BigInt(v.getUint32(MAGIC_AND_KIND, true)) : v.getBigUint64(MAGIC_AND_KIND, true);
    const payload = this.format.accept(kind, field);
    if (typeof payload === 'string') fail(payload);
    this.payloadLeft = payload as number;
    this.sink.frame(kind, Number(field));
  }
}

// Primary -> backup.

export const LINK_MAGIC = 0x4b4c4248; // bytes "HBLK" when written little-endian
export const LINK_HEADER_SIZE = 12;
export const LINK_DATA = 1;
export const LINK_HEARTBEAT = 2;
/** The encoder's chunks are at most one PAGE_DATA record (~4 MiB); refuse much more. */
export const LINK_MAX_PAYLOAD = 64 << 20;

export class LinkError extends HbftError {
  constructor(readonly offset: number, detail: string) {
    super('BAD_LINK_FRAME', `LINK_FRAME at offset ${offset}: ${detail}`);
  }
}

const LINK_FORMAT: FrameFormat = {
  magic: LINK_MAGIC,
  fieldBytes: 4,
  accept(kind, field) {
    const length = Number(field);
    if (kind === LINK_HEARTBEAT) return length === 0 ? 0 : `heartbeat with length ${length}`;
    if (kind !== LINK_DATA) return `kind ${kind}`;
    if (length === 0 || length > LINK_MAX_PAYLOAD) return `data length ${length} not in 1..${LINK_MAX_PAYLOAD}`;
    return length;
  },
  refuse: (offset, detail) => new LinkError(offset, detail),
};

export function linkHeader(kind: typeof LINK_DATA | typeof LINK_HEARTBEAT, length: number): Uint8Array {
  return encodeHeader(LINK_FORMAT, kind, length);
}

export interface LinkSink {
  /** Stream bytes; `bytes` is a view of the socket chunk, valid during the call. */
  data(bytes: Uint8Array): void;
  heartbeat(): void;
}

/** The backup's reader: stream data and heartbeats out of any split of the socket bytes. */
export class LinkDecoder {
  private readonly frames: FrameDecoder;

  constructor(sink: LinkSink) {
    this.frames = new FrameDecoder(LINK_FORMAT, {
      frame: (kind) => { if (kind === LINK_HEARTBEAT) sink.heartbeat(); },
      data: (bytes) => sink.data(bytes),
    });
  }

  get failure(): LinkError | null {
    return this.frames.failure as LinkError | null;
  }

  feed(chunk: Uint8Array): void {
    this.frames.feed(chunk);
  }
}

// Backup -> primary. ACK commits epoch's output, NACK reports an epoch the backup
// refused, HEARTBEAT carries the last committed epoch, SHUTDOWN says the backup is
// leaving cleanly and will not take over (epoch: its committed epoch).

export const BACKCHANNEL_MAGIC = 0x4b414248; // bytes "HBAK" when written little-endian
export const FRAME_SIZE = 16;
export const FRAME_ACK = 1;
export const FRAME_HEARTBEAT = 2;
export const FRAME_NACK = 3;
export const FRAME_SHUTDOWN = 4;
export type FrameKind = typeof FRAME_ACK | typeof FRAME_HEARTBEAT | typeof FRAME_NACK | typeof FRAME_SHUTDOWN;

export interface BackchannelFrame {
  readonly kind: FrameKind;
  readonly epoch: number;
}

const isKind = (k: number): k is FrameKind => k === FRAME_ACK || k === FRAME_HEARTBEAT || k === FRAME_NACK || k === FRAME_SHUTDOWN;

const BACKCHANNEL_FORMAT: FrameFormat = {
  magic: BACKCHANNEL_MAGIC,
  fieldBytes: 8,
  accept(kind, epoch) {
    if (!isKind(kind)) return `kind ${kind}`;
    if (epoch > BigInt(Number.MAX_SAFE_INTEGER)) return `epoch ${epoch} beyond 2^53`;
    return 0;
  },
  refuse: (offset, detail) => new StreamError('BAD_FRAME', 'BACKCHANNEL_FRAME', offset, detail),
};

export function encodeFrame(frame: BackchannelFrame): Uint8Array {
  if (!Number.isSafeInteger(frame.epoch) || frame.epoch < 0) {
    throw new RangeError(`back-channel frame: bad epoch ${frame.epoch}`);
  }
  return encodeHeader(BACKCHANNEL_FORMAT, frame.kind, frame.epoch);
}

/** The primary's reader: back-channel frames out of any split of bytes; a bad frame fails it for good. */
export class BackchannelDecoder {
  private got: BackchannelFrame[] = [];
  private readonly frames = new FrameDecoder(BACKCHANNEL_FORMAT, {
    frame: (kind, epoch) => this.got.push({ kind: kind as FrameKind, epoch }),
    data: () => {}, // back-channel frames carry no payload
  });

  feed(chunk: Uint8Array): BackchannelFrame[] {
    this.got = [];
    this.frames.feed(chunk);
    return this.got;
  }
}
