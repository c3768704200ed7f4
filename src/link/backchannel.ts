// Backup -> primary frames on the same connection: 16 bytes, little-endian,
// `u32 magic, u32 kind, u64 epoch`. ACK commits epoch's output, NACK reports an epoch
// the backup refused, HEARTBEAT carries the last committed epoch, SHUTDOWN says the
// backup is leaving cleanly and will not take over (epoch: its committed epoch).
import { StreamError } from '../stream/errors.js';

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

export function encodeFrame(frame: BackchannelFrame): Uint8Array {
  if (!Number.isSafeInteger(frame.epoch) || frame.epoch < 0) {
    throw new RangeError(`back-channel frame: bad epoch ${frame.epoch}`);
  }
  const out = new Uint8Array(FRAME_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, BACKCHANNEL_MAGIC, true);
  view.setUint32(4, frame.kind, true);
  view.setBigUint64(8, BigInt(frame.epoch), true);
  return out;
}

const isKind = (k: number): k is FrameKind => k === FRAME_ACK || k === FRAME_HEARTBEAT || k === FRAME_NACK || k === FRAME_SHUTDOWN;

/** Reassembles frames from any split of bytes; a bad frame fails it for good. */
export class BackchannelDecoder {
  private readonly pending = new Uint8Array(FRAME_SIZE);
  private filled = 0;
  private offset = 0;
  private failure: StreamError | null = null;

  feed(chunk: Uint8Array): BackchannelFrame[] {
    if (this.failure) throw this.failure;
    const frames: BackchannelFrame[] = [];
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(FRAME_SIZE - this.filled, chunk.length - at);
      this.pending.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled < FRAME_SIZE) break;
      frames.push(this.frameDone());
    }
    return frames;
  }

  private frameDone(): BackchannelFrame {
    const view = new DataView(this.pending.buffer);
    const magic = view.getUint32(0, true);
    const kind = view.getUint32(4, true);
    const epoch = view.getBigUint64(8, true);
    const at = this.offset;
    this.offset += FRAME_SIZE;
    this.filled = 0;
    const fail = (detail: string): never => {
      this.failure = new StreamError('BAD_FRAME', 'BACKCHANNEL_FRAME', at, detail);
      throw this.failure;
    };
    if (magic !== BACKCHANNEL_MAGIC) fail(`magic 0x${magic.toString(16)}`);
    if (!isKind(kind)) return fail(`kind ${kind}`);
    if (epoch > BigInt(Number.MAX_SAFE_INTEGER)) fail(`epoch ${epoch} beyond 2^53`);
    return { kind, epoch: Number(epoch) };
  }
}
