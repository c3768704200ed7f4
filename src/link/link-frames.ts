// Primary -> backup framing on the socket. The checkpoint stream itself is Xen format
// and has no record a live primary could send when it has nothing to checkpoint, so the
// socket carries it in frames, and heartbeats travel as frames of their own (DESIGN 8).
// A file written with --stream-out holds the bare stream, without this framing.
import { HbftError } from '../base/errors.js';

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

export function linkHeader(kind: typeof LINK_DATA | typeof LINK_HEARTBEAT, length: number): Uint8Array {
  const out = new Uint8Array(LINK_HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0, LINK_MAGIC, true);
  v.setUint32(4, kind, true);
  v.setUint32(8, length, true);
  return out;
}

export interface LinkSink {
  /** Stream bytes; `bytes` is a view of the socket chunk, valid during the call. */
  data(bytes: Uint8Array): void;
  heartbeat(): void;
}

/** Splits any split of the socket bytes into stream data and heartbeats; fails for good. */
export class LinkDecoder {
  private readonly header = new Uint8Array(LINK_HEADER_SIZE);
  private headerFilled = 0;
  private payloadLeft = 0;
  private offset = 0;
  private frameOffset = 0;
  failure: LinkError | null = null;

  constructor(private readonly sink: LinkSink) {}

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
      const n = Math.min(LINK_HEADER_SIZE - this.headerFilled, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerFilled);
      this.headerFilled += n;
      this.offset += n;
      at += n;
      if (this.headerFilled === LINK_HEADER_SIZE) this.headerDone();
    }
  }

  private headerDone(): void {
    const v = new DataView(this.header.buffer);
    const at = this.frameOffset;
    this.headerFilled = 0;
    const fail = (detail: string): never => {
      this.failure = new LinkError(at, detail);
      throw this.failure;
    };
    if (v.getUint32(0, true) !== LINK_MAGIC) fail(`magic 0x${v.getUint32(0, true).toString(16)}`);
    const kind = v.getUint32(4, true);
    const length = v.getUint32(8, true);
    if (kind === LINK_HEARTBEAT) {
      if (length !== 0) fail(`heartbeat with length ${length}`);
      this.frameOffset = this.offset;
      this.sink.heartbeat();
      return;
    }
    if (kind !== LINK_DATA) fail(`kind ${kind}`);
    if (length === 0 || length > LINK_MAX_PAYLOAD) fail(`data length ${length} not in 1..${LINK_MAX_PAYLOAD}`);
    this.payloadLeft = length;
    this.frameOffset = this.offset + length;
  }
}
