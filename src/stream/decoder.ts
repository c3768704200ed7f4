// Receiver side: an incremental, push-style decoder. feed() takes any split of the
// stream (down to single bytes); an epoch is handed to onEpoch only once its CHECKPOINT
// has arrived and its order, lengths, pfn range and checksum were verified, so a torn
// or corrupt epoch is never applied. After an error the decoder stays failed.
import type { EpochImage } from '../epoch/epoch-image.js';
import { PAGE_SIZE } from '../vm/layout.js';
import { crcUpdate } from './checksum.js';
import { EpochStaging } from './epoch-staging.js';
import { StreamError, hex, type StreamErrorCode } from './errors.js';
import { parseDomainHeader, parseImageHeader, type StreamHeaderInfo } from './headers.js';
import { parseHvmContext, type ParsedContext } from './hvm-context.js';

export type { StreamHeaderInfo } from './headers.js';
import {
  DHDR_SIZE, HVM_PARAMS_HEADER_SIZE, HVM_PARAM_ENTRY_SIZE, IHDR_SIZE, MAX_HVM_PARAMS,
  MAX_PFNS_PER_RECORD, PAGE_DATA_HEADER_SIZE, PFN_ENTRY_SIZE, PFN_FRAME_MASK, PFN_RESERVED_MASK,
  PFN_TYPES_WITHOUT_DATA, PFN_TYPE_NORMAL, PFN_TYPE_SHIFT, REC_CHECKPOINT, REC_END,
  REC_HEADER_SIZE, REC_HVM_CONTEXT, REC_HVM_PARAMS, REC_LENGTH_MAX, REC_PAGE_DATA,
  REC_PAGE_DATA_XRLE, REC_STATIC_DATA_END, REC_X86_TSC_INFO, TSC_INFO_SIZE, TSC_OFF_RES,
  paddedLength, recordName,
} from './records.js';
import { decodeXrleBody, maxXrleRest } from './xrle-record.js';

/**
 * A verified epoch. `pfns` and `pages` are views of the decoder's staging area, valid
 * until onEpoch returns: apply (copy) them there, as the backup does into its image.
 */
export interface DecodedEpoch extends EpochImage {
  /** Position in the stream: 0, 1, ... (equals `epoch` in an hbft-emu stream). */
  readonly index: number;
  /** False for a stream without hbft-emu's entries: no contexts, guestPages 0 (unknown). */
  readonly hbft: boolean;
  readonly deviceState?: Uint8Array;
  /** Offset of the CHECKPOINT (or END) record that committed the epoch. */
  readonly commitOffset: number;
}

export interface RecordInfo {
  readonly type: number;
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

export interface StreamDecoderOptions {
  readonly onEpoch: (epoch: DecodedEpoch) => void;
  readonly onRecord?: (record: RecordInfo) => void;
  /** Compressed variant: the receiver's committed copy of a page, if it holds one. */
  readonly basePage?: (pfn: number) => Uint8Array | undefined;
  /** Largest HVM_CONTEXT body accepted; bounds memory on a corrupt length. */
  readonly maxContextBytes?: number;
  /**
   * A receiver's bound on guest RAM in pages (the committed guest's size, or its own
   * limit before epoch 0). When given, every pfn is checked as it arrives: below the
   * bound and above the previous pfn of its epoch, so an epoch stages at most that many
   * pages and a flood is refused at its first bad page, not at HVM_CONTEXT.
   */
  readonly pfnLimit?: () => number;
}

export const DEFAULT_MAX_CONTEXT_BYTES = 16 << 20;
const EMPTY = new Uint8Array(0);

export class StreamDecoder {
  header: StreamHeaderInfo | null = null;
  /** Bytes consumed so far. */
  offset = 0;
  epochsCommitted = 0;
  failure: Error | null = null;
  finished = false;

  private target: Uint8Array = new Uint8Array(IHDR_SIZE);
  private filled = 0;
  private onFilled: () => void = () => this.imageHeaderDone();
  private recName = 'IMAGE_HEADER';
  private recOffset = 0;
  private recType = -1;
  private staticDataEnd = false;

  // The epoch in flight.
  private readonly staging = new EpochStaging();
  private crc = 0;
  private epochRecords = 0;
  private lastType = -1;
  private seenTail = new Set<number>(); // TSC_INFO, HVM_PARAMS, HVM_CONTEXT
  private context: ParsedContext | null = null;
  private profileHbft: boolean | null = null;
  private guestPages = 0;
  private lastFinal = false;

  constructor(private readonly opts: StreamDecoderOptions) {}

  /** Consumes bytes; throws StreamError on the first fault, and again on every later call. */
  feed(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    let at = 0;
    try {
      for (;;) {
        if (this.filled === this.target.length) {
          this.onFilled();
          continue;
        }
        if (at >= chunk.length) break;
        const n = Math.min(this.target.length - this.filled, chunk.length - at);
        this.target.set(chunk.subarray(at, at + n), this.filled);
        this.filled += n;
        at += n;
        this.offset += n;
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw this.failure;
    }
  }

  /** The sender closed the stream: anything short of END is TRUNCATED. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.finished) return;
    const pending = this.epochRecords > 0 || this.filled > 0
      ? `epoch ${this.epochsCommitted} incomplete, discarded`
      : 'no partial epoch';
    const at = this.filled > 0 ? ` after ${this.filled} of ${this.target.length} bytes` : '';
    this.failure = new StreamError('TRUNCATED', this.recName, this.recOffset,
      `stream ends at offset ${this.offset}${at} without END (${this.epochsCommitted} epoch(s) committed; ${pending})`);
    throw this.failure;
  }

  private expect(length: number, then: () => void): void {
    this.target = length === 0 ? EMPTY : new Uint8Array(length);
    this.filled = 0;
    this.onFilled = then;
  }

  private fail(code: StreamErrorCode, detail: string): never {
    throw new StreamError(code, this.recName, this.recOffset, detail);
  }

  private imageHeaderDone(): void {
    const image = parseImageHeader(this.target);
    this.recName = 'DOMAIN_HEADER';
    this.recOffset = IHDR_SIZE;
    this.expect(DHDR_SIZE, () => {
      this.header = parseDomainHeader(this.target, image);
      this.nextRecord();
    });
  }

  private nextRecord(): void {
    this.recName = 'RECORD_HEADER';
    this.recOffset = this.offset;
    this.expect(REC_HEADER_SIZE, () => this.recordHeaderDone());
  }

  private recordHeaderDone(): void {
    const v = new DataView(this.target.buffer);
    const type = v.getUint32(0, true);
    const length = v.getUint32(4, true);
    this.recType = type;
    this.recName = recordName(type);
    this.opts.onRecord?.({ type, name: this.recName, offset: this.recOffset, length });
    if (length > REC_LENGTH_MAX) this.fail('BAD_RECORD_LENGTH', `body length ${length} exceeds ${REC_LENGTH_MAX}`);
    const known = type === REC_END || type === REC_PAGE_DATA || type === REC_X86_TSC_INFO ||
      type === REC_HVM_CONTEXT || type === REC_HVM_PARAMS || type === REC_CHECKPOINT ||
      type === REC_STATIC_DATA_END || (type === REC_PAGE_DATA_XRLE && this.header!.compressed);
    if (!known) this.fail('UNKNOWN_RECORD', `record type ${hex(type)} is not part of this stream profile`);
    if (type === REC_STATIC_DATA_END) {
      if (this.staticDataEnd) this.fail('BAD_ORDER', 'STATIC_DATA_END repeated');
      this.staticDataEnd = true;
      return this.emptyBody(length, () => this.nextRecord());
    }
    if (!this.staticDataEnd) this.fail('BAD_ORDER', 'record before STATIC_DATA_END (version 3)');
    switch (type) {
      case REC_END: return this.emptyBody(length, () => this.endRecord());
      case REC_CHECKPOINT: return this.emptyBody(length, () => this.commit(this.recOffset));
      case REC_PAGE_DATA:
      case REC_PAGE_DATA_XRLE: return this.pageRecord(type, length);
      case REC_X86_TSC_INFO:
        if (length !== TSC_INFO_SIZE) this.fail('BAD_RECORD_LENGTH', `body length ${length}, expected ${TSC_INFO_SIZE}`);
        return this.tailRecord(length, (body) => {
          if (new DataView(body.buffer).getUint32(TSC_OFF_RES, true) !== 0) this.fail('BAD_FIELD', 'reserved field set');
        });
      case REC_HVM_PARAMS:
        if (length < HVM_PARAMS_HEADER_SIZE || length > HVM_PARAMS_HEADER_SIZE + MAX_HVM_PARAMS * HVM_PARAM_ENTRY_SIZE) {
          this.fail('BAD_RECORD_LENGTH', `body length ${length} out of range`);
        }
        return this.tailRecord(length, (body) => {
          const v2 = new DataView(body.buffer);
          const count = v2.getUint32(0, true);
          if (v2.getUint32(4, true) !== 0) this.fail('BAD_FIELD', 'reserved field set');
          if (length !== HVM_PARAMS_HEADER_SIZE + count * HVM_PARAM_ENTRY_SIZE) {
            this.fail('BAD_RECORD_LENGTH', `body length ${length} does not fit ${count} params`);
          }
        });
      default: {
        const max = this.opts.maxContextBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
        if (length === 0 || length > max) this.fail('BAD_RECORD_LENGTH', `body length ${length} not in 1..${max}`);
        return this.tailRecord(length, (body) => this.contextDone(body));
      }
    }
  }

  private emptyBody(length: number, then: () => void): void {
    if (length !== 0) this.fail('BAD_RECORD_LENGTH', `body length ${length}, expected 0`);
    then();
  }

  /** Reads the body, then its zero padding, then the next record header. */
  private body(length: number, then: (body: Uint8Array) => void): void {
    this.expect(length, () => {
      then(this.target);
      this.padding(length);
    });
  }

  private padding(length: number): void {
    this.expect(paddedLength(length) - length, () => {
      if (this.target.some((b) => b !== 0)) this.fail('BAD_FIELD', 'non-zero padding');
      this.nextRecord();
    });
  }

  /** TSC_INFO, HVM_PARAMS, HVM_CONTEXT: once each per epoch, after the pages. */
  private tailRecord(length: number, check: (body: Uint8Array) => void): void {
    if (this.seenTail.has(this.recType)) this.fail('BAD_ORDER', `second ${this.recName} in epoch ${this.epochsCommitted}`);
    this.seenTail.add(this.recType);
    this.noteRecord();
    this.body(length, (body) => {
      check(body);
      if (this.recType !== REC_HVM_CONTEXT) this.crc = crcUpdate(this.crc, body);
    });
  }

  private noteRecord(): void {
    if (this.lastFinal) this.fail('BAD_ORDER', `${this.recName} after the final epoch`);
    this.epochRecords++;
    this.lastType = this.recType;
  }

  private pageRecord(type: number, length: number): void {
    if (this.seenTail.size > 0) this.fail('BAD_ORDER', `page data after the end-of-epoch records of epoch ${this.epochsCommitted}`);
    this.noteRecord();
    if (length < PAGE_DATA_HEADER_SIZE + PFN_ENTRY_SIZE) this.fail('BAD_RECORD_LENGTH', `body length ${length} too short`);
    this.expect(PAGE_DATA_HEADER_SIZE, () => {
      const v = new DataView(this.target.buffer);
      const count = v.getUint32(0, true);
      if (v.getUint32(4, true) !== 0) this.fail('BAD_FIELD', 'reserved field set');
      if (count === 0 || count > MAX_PFNS_PER_RECORD) this.fail('BAD_RECORD_LENGTH', `count ${count} not in 1..${MAX_PFNS_PER_RECORD}`);
      const rest = length - PAGE_DATA_HEADER_SIZE - count * PFN_ENTRY_SIZE;
      if (rest < 0) this.fail('BAD_RECORD_LENGTH', `body length ${length} too short for ${count} pfns`);
      if (type === REC_PAGE_DATA_XRLE && rest > maxXrleRest(count)) this.fail('BAD_RECORD_LENGTH', `body length ${length} too long for ${count} pages`);
      this.staging.beginRecord(this.recOffset, this.recName);
      this.expect(count * PFN_ENTRY_SIZE, () => {
        const first = this.staging.count;
        const dataPages = this.pfnList(this.target, type === REC_PAGE_DATA);
        this.crc = crcUpdate(this.crc, this.target);
        if (type === REC_PAGE_DATA) {
          if (rest !== dataPages * PAGE_SIZE) this.fail('BAD_RECORD_LENGTH', `body length ${length}, expected ${length - rest + dataPages * PAGE_SIZE} for ${dataPages} page(s)`);
          this.target = this.staging.pageSlots(first, dataPages);
          this.filled = 0;
          this.onFilled = () => {
            this.crc = crcUpdate(this.crc, this.target);
            this.padding(length);
          };
          return;
        }
        this.body(rest, (body) => {
          const slots = this.staging.pageSlots(first, dataPages);
          const detail = decodeXrleBody(body, this.staging.pfns.subarray(first, first + dataPages), slots, this.opts.basePage);
          if (detail !== null) this.fail(detail.code, detail.message);
          this.crc = crcUpdate(this.crc, slots);
        });
      });
    });
  }

  /** Stages a record's pfns; returns how many carry page data. */
  private pfnList(list: Uint8Array, allowNoData: boolean): number {
    const v = new DataView(list.buffer, list.byteOffset, list.byteLength);
    let dataPages = 0;
    for (let i = 0; i < list.length / PFN_ENTRY_SIZE; i++) {
      const entry = v.getBigUint64(i * PFN_ENTRY_SIZE, true);
      const pageType = Number(entry >> PFN_TYPE_SHIFT);
      const frame = entry & PFN_FRAME_MASK;
      if ((entry & PFN_RESERVED_MASK) !== 0n) this.fail('BAD_FIELD', `pfn[${i}] ${hex(entry)} has reserved bits set`);
      if (pageType !== PFN_TYPE_NORMAL) {
        if (allowNoData && PFN_TYPES_WITHOUT_DATA.has(pageType)) continue; // no data, nothing to apply
        this.fail('BAD_FIELD', `pfn[${i}] ${hex(entry)} has page type ${hex(pageType)}`);
      }
      if (frame > 0xffff_ffffn) this.fail('PFN_RANGE', `pfn ${hex(frame)} beyond 32-bit frame numbers`);
      const pfn = Number(frame);
      if (this.opts.pfnLimit !== undefined) {
        const limit = this.opts.pfnLimit();
        if (pfn >= limit) this.fail('PFN_RANGE', `pfn ${hex(pfn)} beyond guest RAM (${limit} pages)`);
        const count = this.staging.count;
        if (count > 0 && pfn <= this.staging.pfns[count - 1]!) {
          this.fail('BAD_ORDER', `pfn ${hex(pfn)} ${pfn === this.staging.pfns[count - 1] ? 'repeated' : `not above ${hex(this.staging.pfns[count - 1]!)}`} in epoch ${this.epochsCommitted}`);
        }
        this.staging.maxPages = limit;
      }
      this.staging.pushPfn(pfn);
      dataPages++;
    }
    return dataPages;
  }

  private contextDone(body: Uint8Array): void {
    const ctx = parseHvmContext(body, this.recOffset);
    const hbft = ctx.info !== null;
    const staging = this.staging;
    if (this.profileHbft !== null && this.profileHbft !== hbft) {
      this.fail('BAD_CONTEXT', hbft ? 'hbft-emu entries in a stream that had none' : 'hbft-emu entries missing');
    }
    if (hbft) {
      const info = ctx.info!;
      const unordered = staging.firstUnordered();
      if (unordered >= 0) this.failAtPage(unordered, 'BAD_ORDER', `pfn ${hex(staging.pfns[unordered]!)} not above ${hex(staging.pfns[unordered - 1]!)}`);
      const outside = staging.firstOutOfRange(info.guestPages);
      if (outside >= 0) this.failAtPage(outside, 'PFN_RANGE', `pfn ${hex(staging.pfns[outside]!)} beyond guest RAM (${info.guestPages} pages)`);
      const expected = crcUpdate(this.crc, body.subarray(0, ctx.checksum!.covered));
      if (expected !== ctx.checksum!.value) {
        this.fail('BAD_CHECKSUM', `epoch ${info.epoch} checksum ${hex(ctx.checksum!.value)} does not match content ${hex(expected)}`);
      }
      // Epoch 0 is the full copy; after it, numbers count up without gaps.
      if (info.epoch !== this.epochsCommitted) this.fail('BAD_ORDER', `epoch ${info.epoch}, expected ${this.epochsCommitted}`);
      if (this.epochsCommitted > 0 && info.guestPages !== this.guestPages) {
        this.fail('BAD_CONTEXT', `guest RAM changed from ${this.guestPages} to ${info.guestPages} pages`);
      }
    } else if (staging.firstUnordered() >= 0) {
      staging.sortKeepingLast();
    }
    this.context = ctx;
  }

  private failAtPage(index: number, code: StreamErrorCode, detail: string): never {
    const rec = this.staging.recordOf(index);
    throw new StreamError(code, rec.name, rec.offset, detail);
  }

  private commit(commitOffset: number): void {
    const ctx = this.context;
    if (ctx === null) this.fail('BAD_ORDER', `${this.recName} of epoch ${this.epochsCommitted} without HVM_CONTEXT`);
    const hbft = ctx.info !== null;
    if (hbft && this.lastType !== REC_HVM_CONTEXT) this.fail('BAD_ORDER', `${recordName(this.lastType)} between HVM_CONTEXT and ${this.recName}`);
    const index = this.epochsCommitted;
    const epoch: DecodedEpoch = {
      index,
      epoch: ctx.info?.epoch ?? index,
      guestPages: ctx.info?.guestPages ?? 0,
      pfns: this.staging.pfns.subarray(0, this.staging.count),
      pages: this.staging.pages.subarray(0, this.staging.count * PAGE_SIZE),
      contexts: ctx.contexts,
      final: ctx.info?.final ?? false,
      hbft,
      commitOffset,
      ...(ctx.deviceState ? { deviceState: ctx.deviceState } : {}),
    };
    this.profileHbft = hbft;
    this.guestPages = epoch.guestPages;
    this.lastFinal = epoch.final;
    this.epochsCommitted++;
    this.staging.reset();
    this.crc = 0;
    this.epochRecords = 0;
    this.lastType = -1;
    this.seenTail = new Set();
    this.context = null;
    this.opts.onEpoch(epoch);
    this.nextRecord();
  }

  private endRecord(): void {
    if (this.epochRecords > 0) {
      // A plain migration stream has no CHECKPOINT: there END commits its one epoch.
      if (this.epochsCommitted > 0 || this.context === null) {
        this.fail('BAD_ORDER', `END inside epoch ${this.epochsCommitted} (records after the last CHECKPOINT)`);
      }
      this.commit(this.recOffset);
    }
    this.finished = true;
    this.recName = 'END';
    // Nothing may follow END: one more byte completes this target and is refused.
    this.expect(1, () => this.fail('TRAILING_DATA', `bytes after END at offset ${this.offset - 1}`));
  }
}
