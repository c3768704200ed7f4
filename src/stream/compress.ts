// The compressed variant (Remus-style): the sender keeps a bounded LRU cache of the
// page contents it last sent; a dirty page found there goes out as XOR+RLE against
// that copy, which is exactly what the backup holds once the epoch commits. Xen's
// format carries raw pages only, so these streams use the HBFZ image id and the
// private PAGE_DATA_XRLE record (docs/stream-format.md).
import type { EpochImage } from '../epoch/epoch-image.js';
import { PAGE_SIZE } from '../vm/layout.js';
import {
  type EpochEncodeOptions, type PageEncoding, type StreamHeaderOptions, encodeEpoch, encodeStreamHeader, plainPageRecordBytes,
} from './encoder.js';
import { REC_PAGE_DATA_XRLE, XRLE_DESC_SIZE, XRLE_KIND_RAW, XRLE_KIND_XOR_RLE } from './records.js';
import { encodeXorRle } from './xrle.js';

export const DEFAULT_CACHE_BYTES = 64 << 20;

/** Last-sent page contents, least recently sent evicted first; bounded by page count. */
export class PageCache {
  // Map iteration order is insertion order: re-inserting on use keeps it LRU.
  private readonly pages = new Map<number, Uint8Array>();

  constructor(readonly capacityPages: number) {
    if (!Number.isInteger(capacityPages) || capacityPages < 0) {
      throw new RangeError(`page cache: bad capacity ${capacityPages} pages`);
    }
  }

  get size(): number {
    return this.pages.size;
  }

  peek(pfn: number): Uint8Array | undefined {
    return this.pages.get(pfn);
  }

  /** Records `content` as the last-sent copy of `pfn`. */
  remember(pfn: number, content: Uint8Array): void {
    if (this.capacityPages === 0) return;
    let held = this.pages.get(pfn);
    if (held) this.pages.delete(pfn);
    else if (this.pages.size >= this.capacityPages) {
      const [oldest, buffer] = this.pages.entries().next().value as [number, Uint8Array];
      this.pages.delete(oldest);
      held = buffer; // reuse the evicted page's buffer
    }
    held ??= new Uint8Array(PAGE_SIZE);
    held.set(content);
    this.pages.set(pfn, held);
  }
}

export interface CompressionStats {
  epochs: number;
  pages: number;
  xorPages: number;
  /** What the plain XENF encoding of the same epochs would take. */
  plainBytes: number;
  sentBytes: number;
}

export interface CompressingEncoderOptions {
  /** Cache size in bytes, rounded down to whole pages (default 64 MiB). */
  readonly cacheBytes?: number;
}

/**
 * PAGE_DATA_XRLE's body: a descriptor per page, then each page raw or as XOR+RLE
 * against the cached copy last sent. Every page is then remembered as sent.
 */
export class XrlePages implements PageEncoding {
  readonly recordType = REC_PAGE_DATA_XRLE;
  /** Pages encoded, and how many of them went as XOR+RLE. */
  pages = 0;
  xorPages = 0;
  private readonly scratch = new Uint8Array(PAGE_SIZE);

  constructor(readonly cache: PageCache) {}

  encodePages(pfns: Uint32Array, pages: Uint8Array): { chunks: Uint8Array[]; bytes: number } {
    const count = pfns.length;
    const descs = new Uint8Array(count * XRLE_DESC_SIZE);
    const descView = new DataView(descs.buffer);
    const chunks: Uint8Array[] = [descs];
    let bytes = descs.length;
    for (let i = 0; i < count; i++) {
      const page = pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      const base = this.cache.peek(pfns[i]!);
      const n = base ? encodeXorRle(page, base, this.scratch) : -1;
      const payload = n > 0 ? this.scratch.slice(0, n) : page; // raw pages are not copied
      if (n > 0) this.xorPages++;
      descView.setUint32(i * XRLE_DESC_SIZE, n > 0 ? XRLE_KIND_XOR_RLE : XRLE_KIND_RAW, true);
      descView.setUint32(i * XRLE_DESC_SIZE + 4, payload.length, true);
      chunks.push(payload);
      bytes += payload.length;
      this.cache.remember(pfns[i]!, page);
    }
    this.pages += count;
    return { chunks, bytes };
  }
}

export class CompressingEncoder {
  readonly cache: PageCache;
  readonly stats: CompressionStats = { epochs: 0, pages: 0, xorPages: 0, plainBytes: 0, sentBytes: 0 };
  private readonly xrle: XrlePages;

  constructor(opts: CompressingEncoderOptions = {}) {
    this.cache = new PageCache(Math.floor((opts.cacheBytes ?? DEFAULT_CACHE_BYTES) / PAGE_SIZE));
    this.xrle = new XrlePages(this.cache);
  }

  header(opts: Omit<StreamHeaderOptions, 'compressed'> = {}): Uint8Array {
    return encodeStreamHeader({ ...opts, compressed: true });
  }

  /** As encodeEpoch, with PAGE_DATA_XRLE records in place of PAGE_DATA. */
  encodeEpoch(img: EpochImage, opts: EpochEncodeOptions = {}): Uint8Array[] {
    const chunks = encodeEpoch(img, opts, this.xrle);
    this.stats.epochs++;
    this.stats.pages = this.xrle.pages;
    this.stats.xorPages = this.xrle.xorPages;
    // The tail (TSC, HVM_CONTEXT, CHECKPOINT) is the same in both encodings.
    this.stats.plainBytes += plainPageRecordBytes(img.pfns.length) + chunks[chunks.length - 1]!.length;
    for (const c of chunks) this.stats.sentBytes += c.length;
    return chunks;
  }
}
