import { HbftError } from '../base/errors.js';
/** Why a checkpoint stream (or a back-channel frame) was refused. */
export type StreamErrorCode =
  | 'BAD_MARKER' // image header marker is not all ones
  | 'BAD_ID' // image id is neither XENF nor HBFZ
  | 'BAD_VERSION' // image version is not 3
  | 'BAD_OPTIONS' // big-endian or reserved option bits, non-zero reserved header fields
  | 'BAD_DOMAIN' // domain type is not x86 HVM, page shift is not 12
  | 'BAD_RECORD_LENGTH' // body length does not fit the record type or its own fields
  | 'BAD_FIELD' // a reserved field, padding byte or page type is wrong
  | 'UNKNOWN_RECORD' // a record type this profile does not carry
  | 'BAD_CONTEXT' // malformed HVM_CONTEXT entry list or private entry
  | 'BAD_CHECKSUM' // EPOCH_CHECKSUM does not match the epoch's content
  | 'PFN_RANGE' // a pfn at or beyond the guest's page count
  | 'BAD_ORDER' // records, pfns or epochs out of the profile's order
  | 'NO_BASE' // a compressed page whose base page the receiver does not hold
  | 'TRUNCATED' // the stream ended inside a header, a record or an epoch
  | 'TRAILING_DATA' // bytes after END
  | 'BAD_EPOCH_IMAGE' // the sender was handed an inconsistent EpochImage
  | 'BAD_FRAME'; // a back-channel frame with a wrong magic or kind

/**
 * A stream fault. `record` names the record type (or 'IMAGE_HEADER', 'DOMAIN_HEADER')
 * and `offset` is the byte offset of that record in the stream, so the message reads
 * "PAGE_DATA at offset 4168: pfn 0x12345 beyond guest RAM (4096 pages)".
 */
export class StreamError extends HbftError {
  declare readonly code: StreamErrorCode;
  constructor(
    code: StreamErrorCode,
    readonly record: string,
    readonly offset: number,
    detail: string,
  ) {
    super(code, `${record} at offset ${offset}: ${detail}`);
  }
}

export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}
