// Body of the HBFZ-only PAGE_DATA_XRLE record after its pfn list: count descriptors
// `u32 kind, u32 length`, then the encoded pages back to back (docs/stream-format.md).
import { PAGE_SIZE } from '../vm/layout.js';
import type { StreamErrorCode } from './errors.js';
import { XRLE_DESC_SIZE, XRLE_KIND_RAW, XRLE_KIND_XOR_RLE } from './records.js';
import { decodeXorRle } from './xrle.js';

export interface XrleFault {
  readonly code: StreamErrorCode;
  readonly message: string;
}

/** Largest body after the pfn list for `count` pages: every page raw. */
export function maxXrleRest(count: number): number {
  return count * (XRLE_DESC_SIZE + PAGE_SIZE);
}

/**
 * Decodes `body` into `slots` (pfns.length pages); XOR pages are rebuilt from
 * basePage(pfn), the receiver's committed copy. Returns null or the fault.
 */
export function decodeXrleBody(
  body: Uint8Array,
  pfns: Uint32Array,
  slots: Uint8Array,
  basePage: ((pfn: number) => Uint8Array | undefined) | undefined,
): XrleFault | null {
  const count = pfns.length;
  const descBytes = count * XRLE_DESC_SIZE;
  if (body.length < descBytes || body.length > maxXrleRest(count)) {
    return { code: 'BAD_RECORD_LENGTH', message: `${body.length} body bytes after the pfn list cannot hold ${count} pages` };
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let payload = 0;
  for (let i = 0; i < count; i++) payload += view.getUint32(i * XRLE_DESC_SIZE + 4, true);
  if (descBytes + payload !== body.length) {
    return { code: 'BAD_RECORD_LENGTH', message: `page lengths sum to ${payload}, body has ${body.length - descBytes}` };
  }
  let at = descBytes;
  for (let i = 0; i < count; i++) {
    const kind = view.getUint32(i * XRLE_DESC_SIZE, true);
    const length = view.getUint32(i * XRLE_DESC_SIZE + 4, true);
    const enc = body.subarray(at, at + length);
    const slot = slots.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const pfn = pfns[i]!;
    if (kind === XRLE_KIND_RAW) {
      if (length !== PAGE_SIZE) return { code: 'BAD_RECORD_LENGTH', message: `raw page ${pfn} has ${length} bytes` };
      slot.set(enc);
    } else if (kind === XRLE_KIND_XOR_RLE) {
      if (length === 0 || length >= PAGE_SIZE) return { code: 'BAD_RECORD_LENGTH', message: `XOR page ${pfn} has ${length} bytes` };
      const base = basePage?.(pfn);
      if (base === undefined || base.length < PAGE_SIZE) return { code: 'NO_BASE', message: `XOR page ${pfn} but no committed copy of it` };
      const fault = decodeXorRle(enc, base, slot);
      if (fault !== null) return { code: 'BAD_FIELD', message: `XOR page ${pfn}: ${fault}` };
    } else {
      return { code: 'BAD_FIELD', message: `page ${pfn} has encoding kind ${kind}` };
    }
    at += length;
  }
  return null;
}
