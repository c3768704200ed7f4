// Sender side of the checkpoint stream: Xen libxc v3, x86 HVM profile. Page bytes are
// never copied: each PAGE_DATA record is a small header chunk followed by a view of the
// epoch's page buffer, and a socket writes the chunks in order.
import type { EpochImage } from '../epoch/epoch-image.js';
import { CTX_SLOTS, PAGE_SIZE } from '../vm/layout.js';
import { crcUpdate } from './checksum.js';
import { StreamError } from './errors.js';
import { MAX_EPOCH, buildHbftContext } from './hvm-context.js';
import {
  DEFAULT_TSC_KHZ, DHDR_OFF_PAGE_SHIFT, DHDR_OFF_TYPE, DHDR_OFF_XEN_MAJOR, DHDR_OFF_XEN_MINOR,
  DHDR_PAGE_SHIFT, DHDR_SIZE, DHDR_TYPE_X86_HVM, IHDR_ID_HBFZ, IHDR_ID_XEN, IHDR_MARKER,
  IHDR_OFF_ID, IHDR_OFF_MARKER, IHDR_OFF_VERSION, IHDR_SIZE, IHDR_VERSION, MAX_PFNS_PER_RECORD,
  PAGE_DATA_HEADER_SIZE, PFN_ENTRY_SIZE, REC_CHECKPOINT, REC_END, REC_HEADER_SIZE,
  REC_HVM_CONTEXT, REC_PAGE_DATA, REC_STATIC_DATA_END, REC_X86_TSC_INFO, TSC_INFO_SIZE,
  TSC_MODE_DEFAULT, TSC_OFF_KHZ, TSC_OFF_MODE, TSC_OFF_NSEC, XEN_MAJOR, XEN_MINOR, paddedLength,
} from './records.js';

export interface StreamHeaderOptions {
  /** Write the HBFZ image id of the compressed variant instead of XENF. */
  readonly compressed?: boolean;
  readonly xenMajor?: number;
  readonly xenMinor?: number;
}

export interface EpochEncodeOptions {
  readonly tscKhz?: number;
  /** Guest time at the checkpoint; injected so streams are reproducible. */
  readonly tscNsec?: bigint;
  /** Opaque device state (e.g. the output-commit queue), carried in DEVICE_STATE. */
  readonly deviceState?: Uint8Array;
}

/** Image header, domain header and STATIC_DATA_END: everything before epoch 0. */
export function encodeStreamHeader(opts: StreamHeaderOptions = {}): Uint8Array {
  const out = new Uint8Array(IHDR_SIZE + DHDR_SIZE + REC_HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setBigUint64(IHDR_OFF_MARKER, IHDR_MARKER); // big-endian, like the whole image header
  view.setUint32(IHDR_OFF_ID, opts.compressed ? IHDR_ID_HBFZ : IHDR_ID_XEN);
  view.setUint32(IHDR_OFF_VERSION, IHDR_VERSION); // options and reserved stay 0 (little-endian records)
  view.setUint32(IHDR_SIZE + DHDR_OFF_TYPE, DHDR_TYPE_X86_HVM, true);
  view.setUint16(IHDR_SIZE + DHDR_OFF_PAGE_SHIFT, DHDR_PAGE_SHIFT, true);
  view.setUint32(IHDR_SIZE + DHDR_OFF_XEN_MAJOR, opts.xenMajor ?? XEN_MAJOR, true);
  view.setUint32(IHDR_SIZE + DHDR_OFF_XEN_MINOR, opts.xenMinor ?? XEN_MINOR, true);
  writeRecordHeader(view, IHDR_SIZE + DHDR_SIZE, REC_STATIC_DATA_END, 0);
  return out;
}

/** The END record, sent after the final epoch's CHECKPOINT on clean shutdown. */
export function encodeEnd(): Uint8Array {
  const out = new Uint8Array(REC_HEADER_SIZE);
  writeRecordHeader(new DataView(out.buffer), 0, REC_END, 0);
  return out;
}

/** How one page record carries its pages, after the record's count header and pfn list. */
export interface PageEncoding {
  /** REC_PAGE_DATA, or REC_PAGE_DATA_XRLE for the compressed variant. */
  readonly recordType: number;
  /** The body after the pfn list, as chunks to write in order, and their total length. */
  encodePages(pfns: Uint32Array, pages: Uint8Array): { readonly chunks: readonly Uint8Array[]; readonly bytes: number };
}

/** Xen's PAGE_DATA: the pages themselves, never copied (the chunk is a view of the epoch's buffer). */
export const PLAIN_PAGES: PageEncoding = {
  recordType: REC_PAGE_DATA,
  encodePages: (_pfns, pages) => ({ chunks: [pages], bytes: pages.length }),
};

/**
 * One epoch as chunks to write in order: page records of at most 1,024 pfns (none for
 * an epoch without dirty pages), X86_TSC_INFO, HVM_CONTEXT, CHECKPOINT. `encoding` says
 * how a page record carries its pages (plain PAGE_DATA unless given).
 */
export function encodeEpoch(img: EpochImage, opts: EpochEncodeOptions = {}, encoding: PageEncoding = PLAIN_PAGES): Uint8Array[] {
  validateEpochImage(img);
  const chunks: Uint8Array[] = [];
  let crc = 0;
  for (let first = 0; first < img.pfns.length; first += MAX_PFNS_PER_RECORD) {
    const count = Math.min(MAX_PFNS_PER_RECORD, img.pfns.length - first);
    const pfns = img.pfns.subarray(first, first + count);
    const pages = img.pages.subarray(first * PAGE_SIZE, (first + count) * PAGE_SIZE);
    const rest = encoding.encodePages(pfns, pages);
    const head = encodePageDataHead(encoding.recordType, pfns, rest.bytes);
    // The checksum covers the pfn list and the pages as the backup will hold them.
    crc = crcUpdate(crc, head.subarray(REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE));
    crc = crcUpdate(crc, pages);
    chunks.push(head, ...rest.chunks);
    const body = PAGE_DATA_HEADER_SIZE + count * PFN_ENTRY_SIZE + rest.bytes;
    const pad = paddedLength(body) - body; // plain pages are whole multiples of 8 bytes: none
    if (pad > 0) chunks.push(new Uint8Array(pad));
  }
  chunks.push(encodeEpochTail(img, crc, opts));
  return chunks;
}

/** What the page records of `pages` pages take as plain PAGE_DATA, headers included. */
export function plainPageRecordBytes(pages: number): number {
  const records = Math.ceil(pages / MAX_PFNS_PER_RECORD);
  return records * (REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE) + pages * (PFN_ENTRY_SIZE + PAGE_SIZE);
}

/**
 * Record header, count header and pfn list of a page record whose remaining body is
 * `rest` bytes. The checksum covers the pfn list exactly as written (u64 each).
 */
export function encodePageDataHead(type: number, pfns: Uint32Array, rest: number): Uint8Array {
  const listBytes = pfns.length * PFN_ENTRY_SIZE;
  const head = new Uint8Array(REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE + listBytes);
  const view = new DataView(head.buffer);
  writeRecordHeader(view, 0, type, PAGE_DATA_HEADER_SIZE + listBytes + rest);
  view.setUint32(REC_HEADER_SIZE, pfns.length, true);
  const list = REC_HEADER_SIZE + PAGE_DATA_HEADER_SIZE;
  // pfns fit 32 bits and page type 0 (normal): the high word of each u64 stays 0.
  for (let i = 0; i < pfns.length; i++) view.setUint32(list + i * PFN_ENTRY_SIZE, pfns[i]!, true);
  return head;
}

/** X86_TSC_INFO, HVM_CONTEXT and CHECKPOINT; `crc` covers the epoch's pages so far. */
export function encodeEpochTail(img: EpochImage, crc: number, opts: EpochEncodeOptions): Uint8Array {
  const tscKhz = opts.tscKhz ?? DEFAULT_TSC_KHZ;
  const tscStart = REC_HEADER_SIZE;
  const ctxStart = tscStart + TSC_INFO_SIZE + REC_HEADER_SIZE;
  const tsc = new Uint8Array(TSC_INFO_SIZE);
  const tscView = new DataView(tsc.buffer);
  tscView.setUint32(TSC_OFF_MODE, TSC_MODE_DEFAULT, true);
  tscView.setUint32(TSC_OFF_KHZ, tscKhz, true);
  tscView.setBigUint64(TSC_OFF_NSEC, opts.tscNsec ?? 0n, true); // incarnation, reserved: 0
  const context = buildHbftContext({
    epoch: img.epoch,
    guestPages: img.guestPages,
    contexts: img.contexts,
    final: img.final,
    tscKhz,
    ...(opts.deviceState ? { deviceState: opts.deviceState } : {}),
  }, crcUpdate(crc, tsc));
  const checkpointAt = ctxStart + paddedLength(context.length);
  const out = new Uint8Array(checkpointAt + REC_HEADER_SIZE);
  const view = new DataView(out.buffer);
  writeRecordHeader(view, 0, REC_X86_TSC_INFO, TSC_INFO_SIZE);
  out.set(tsc, tscStart);
  writeRecordHeader(view, ctxStart - REC_HEADER_SIZE, REC_HVM_CONTEXT, context.length);
  out.set(context, ctxStart); // padding after it is already zero
  writeRecordHeader(view, checkpointAt, REC_CHECKPOINT, 0);
  return out;
}

export function writeRecordHeader(view: DataView, at: number, type: number, bodyLength: number): void {
  view.setUint32(at, type, true);
  view.setUint32(at + 4, bodyLength, true);
}

/** Refuses an image the backup could not apply; a sender bug, not a stream fault. */
export function validateEpochImage(img: EpochImage): void {
  const fail = (detail: string): never => {
    throw new StreamError('BAD_EPOCH_IMAGE', 'EPOCH_IMAGE', 0, `epoch ${img.epoch}: ${detail}`);
  };
  if (!Number.isInteger(img.epoch) || img.epoch < 0 || img.epoch > MAX_EPOCH) fail('epoch number out of u32 range');
  if (!Number.isInteger(img.guestPages) || img.guestPages <= 0 || img.guestPages > 0xffff_ffff) fail(`bad guestPages ${img.guestPages}`);
  if (img.pages.length !== img.pfns.length * PAGE_SIZE) fail(`${img.pages.length} page bytes for ${img.pfns.length} pfns`);
  if (img.contexts.length > 0xffff) fail(`${img.contexts.length} vCPUs exceed the u16 instance field`);
  img.contexts.forEach((ctx, vcpu) => {
    if (ctx.length !== CTX_SLOTS) fail(`vCPU ${vcpu} context has ${ctx.length} slots, expected ${CTX_SLOTS}`);
  });
  let previous = -1;
  for (const pfn of img.pfns) {
    if (pfn <= previous) fail(`pfn ${pfn} not ascending after ${previous}`);
    if (pfn >= img.guestPages) fail(`pfn ${pfn} beyond guest RAM (${img.guestPages} pages)`);
    previous = pfn;
  }
}

/** Joins chunks into one buffer (files, tests); sockets should write chunks instead. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
