// The compressed variant (Remus-style): the sender keeps a bounded LRU cache of the
// page contents it last sent; a dirty page found there goes out as XOR+RLE against
// that copy, which is exactly what the backup holds once the epoch commits. Xen's
// format carries raw pages only, so these streams use the HBFZ image id and the
// private PAGE_DATA_XRLE record (docs/stream-format.md).
import type { EpochImage } from '../epoch/epoch-image.js';
import { PAGE_SIZE } from '../vm/layout.js';
import { crcUpdate } from './checksum.js';
import {
  type EpochEncodeOptions, encodeEpochTail, encodePageDataHead, encodeStreamHeader,
  validateEpochImage, type StreamHeaderOptions,
} from './encoder.js';
import {
  MAX_PFNS_PER_RECORD, PAGE_DATA_HEADER_SIZE, PFN_ENTRY_SIZE, REC_HEADER_SIZE, REC_PAGE_DATA_XRLE,
  XRLE_DESC_SIZE, XRLE_KIND_RAW, XRLE_KIND_XOR_RLE, paddedLength,
} from './records.js';
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

export class CompressingEncoder {
  readonly cache: PageCache;
  readonly stats: CompressionStats = { epochs: 0, pages: 0, xorPages: 0, plainBytes: 0, sentBytes: 0 };
  private readonly scratch = new Uint8Array(PAGE_SIZE);

  constructor(opts: CompressingEncoderOptions = {}) {
    this.cache = new PageCache(Math.floor((opts.cacheBytes ?? DEFAULT_CACHE_BYTES) / PAGE_SIZE));
  }

  header(opts: Omit<StreamHeaderOptions, 'compressed'> = {}): Uint8Array {
    return encodeStreamHeader({ ...opts, compressed: true });
  }

  /** As encodeEpoch, with PAGE_DATA_XRLE records in place of PAGE_DATA. */
  encodeEpoch(img: EpochImage, opts: EpochEncodeOptions = {}): Uint8Array[] {
    validateEpochImage(img);
    const chunks: Uint8Array[] = [];
    let crc = 0;
    for (let first = 0; first < img.pfns.length; first += MAX_PFNS_PER_RECORD) {
      const count = Math.min(MAX_PFNS_PER_RECORD, img.pfns.length - first);
      const pfns = img.pfns.subarray(first, first + count);
      const pages = img.pages.subarray(first * PAGE_SIZE, (first + count) * PAGE_SIZE);
      const descs = new Uint8Array(count * XRLE_DESC_SIZE);
      const descView = new DataView(descs.buffer);
      const payloads: Uint8Array[] = [];
      let payloadBytes = 0;
      for (let i = 0; i < count; i++) {
        const page = pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
        const base = this.cache.peek(pfns[i]!);
        const n = base ? encodeXorRle(page, base, this.scratch) : -1;
        const payload = n > 0 ? this.scratch.slice(0, n) : page; // raw pages are not copied
        if (n > 0) this.stats.xorPages++;
        descView.setUint32(i * XRLE_DESC_SIZE, n > 0 ? XRLE_KIND_XOR_RLE : XRLE_KIND_RAW, true);
        descView.setUint32(i * XRLE_DESC_SIZE + 4, payload.length, true);
        payloads.push(payload);
        payloadBytes += payload.length;
        this.cache.remember(pfns[i]!, page);
      }
      const rest = descs.length + payloadBytes;
      const head = encodePageDataHead(REC_PAGE_DATA_XRLE, pfns, rest);
      // The checksum covers the pfn list and the pages as the backup will hold them.
      crc = crcUpdate(crcUpdate(crc, head.subarray(REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE)), pages);
      chunks.push(head, descs, ...payloads);
      const body = PAGE_DATA_HEADER_SIZE + count * PFN_ENTRY_SIZE + rest;
      const pad = paddedLength(body) - body;
      if (pad > 0) chunks.push(new Uint8Array(pad));
      this.stats.plainBytes += REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE + count * (PFN_ENTRY_SIZE + PAGE_SIZE);
    }
    const tail = encodeEpochTail(img, crc, opts);
    chunks.push(tail);
    this.stats.epochs++;
    this.stats.pages += img.pfns.length;
    this.stats.plainBytes += tail.length;
    for (const c of chunks) this.stats.sentBytes += c.length;
    return chunks;
  }
}
