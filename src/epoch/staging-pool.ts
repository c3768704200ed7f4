import { PAGE_SIZE } from '../vm/layout.js';

const SPARE_BUFFERS = 3;
const GROWTH = 1.25; // headroom so an epoch a little larger than the last still fits
const GRAIN = 16 * PAGE_SIZE;

/**
 * Staging buffers for the pause copy. A fresh ArrayBuffer costs several times the copy
 * itself (the kernel zero-fills every page on first touch), so buffers that the backup
 * has applied come back here and are reused. `refill` polls for returned buffers.
 */
export class StagingPool {
  private readonly spare: ArrayBufferLike[] = [];
  /** Takes served by a fresh buffer, and by a recycled one (bench and tests read them). */
  allocations = 0;
  reuses = 0;

  /** `allocate`: a SharedArrayBuffer when copier threads write the staging too (parallel-copy.ts). */
  constructor(
    private readonly refill: () => ArrayBufferLike | undefined = () => undefined,
    private readonly allocate: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
  ) {}

  /** A view of exactly `bytes` bytes, backed by a recycled buffer when one is big enough. */
  take(bytes: number): Uint8Array {
    if (bytes === 0) return new Uint8Array(0);
    for (let b; (b = this.refill()) !== undefined; ) this.give(b);
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const cap = this.spare[i].byteLength;
      if (cap >= bytes && (best < 0 || cap < this.spare[best].byteLength)) best = i;
    }
    let buf: ArrayBufferLike;
    if (best >= 0) {
      buf = this.spare.splice(best, 1)[0];
      this.reuses++;
    } else {
      // Every spare is too small for an epoch this size: let them go before the new
      // buffer is made, or a growing dirty set keeps one buffer per size it passed.
      this.spare.length = 0;
      buf = this.allocate(Math.ceil((bytes * GROWTH) / GRAIN) * GRAIN);
      this.allocations++;
    }
    return new Uint8Array(buf, 0, bytes);
  }

  /** Take back a buffer the backup is done with; keep the largest few. */
  give(buf: ArrayBufferLike): void {
    if (buf.byteLength === 0) return;
    this.spare.push(buf);
    if (this.spare.length > SPARE_BUFFERS) {
      this.spare.sort((a, b) => b.byteLength - a.byteLength);
      this.spare.length = SPARE_BUFFERS;
    }
  }

  get spares(): number {
    return this.spare.length;
  }
}
