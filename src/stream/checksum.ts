import { crc32 } from 'node:zlib';

// EPOCH_CHECKSUM algorithm: CRC-32 (zlib polynomial), native in Node >= 20.15, so a
// 256 MiB epoch checksums at memory speed without a dependency.
export const CHECKSUM_CRC32 = 1;

/** Extends a running CRC-32 (start from 0) with `bytes`. */
export function crcUpdate(crc: number, bytes: Uint8Array): number {
  return bytes.length === 0 ? crc : crc32(bytes, crc);
}
