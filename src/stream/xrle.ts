// XOR + run-length page codec of the compressed variant (Remus-style): a dirty page is
// XORed with the copy the receiver already holds and sent as tokens
// `u16 skip, u16 copy, copy XOR bytes`; runs of zeros (unchanged bytes) are the win.
import { PAGE_SIZE } from '../vm/layout.js';

export const XRLE_TOKEN_SIZE = 4;
// An unchanged run shorter than a token header is cheaper to send as literal bytes.
export const XRLE_MIN_SKIP = XRLE_TOKEN_SIZE;

/**
 * Encodes `page` against `base` into `out` (PAGE_SIZE bytes) and returns the encoded
 * length, or -1 when the result would not be smaller than a raw page.
 */
export function encodeXorRle(page: Uint8Array, base: Uint8Array, out: Uint8Array): number {
  let i = 0;
  let o = 0;
  while (i < PAGE_SIZE) {
    const runStart = i;
    while (i < PAGE_SIZE && page[i] === base[i]) i++;
    const skip = i - runStart;
    const literalStart = i;
    let end = i;
    let k = i;
    while (k < PAGE_SIZE) {
      if (page[k] !== base[k]) {
        end = ++k;
        continue;
      }
      let r = k;
      while (r < PAGE_SIZE && page[r] === base[r] && r - k < XRLE_MIN_SKIP) r++;
      if (r - k >= XRLE_MIN_SKIP || r === PAGE_SIZE) break;
      k = r; // a short unchanged run stays inside the literal
    }
    const copy = end - literalStart;
    if (o + XRLE_TOKEN_SIZE + copy >= PAGE_SIZE) return -1;
    out[o] = skip & 0xff;
    out[o + 1] = skip >>> 8;
    out[o + 2] = copy & 0xff;
    out[o + 3] = copy >>> 8;
    o += XRLE_TOKEN_SIZE;
    for (let j = literalStart; j < end; j++) out[o++] = page[j]! ^ base[j]!;
    i = end;
  }
  return o;
}

/**
 * Rebuilds a page from `base` and its encoding into `out`; returns null, or what is
 * wrong with the encoding (the caller names the record and offset).
 */
export function decodeXorRle(enc: Uint8Array, base: Uint8Array, out: Uint8Array): string | null {
  out.set(base.subarray(0, PAGE_SIZE));
  let at = 0;
  let pos = 0;
  while (at < enc.length) {
    if (enc.length - at < XRLE_TOKEN_SIZE) return `token cut short at byte ${at}`;
    const skip = enc[at]! | (enc[at + 1]! << 8);
    const copy = enc[at + 2]! | (enc[at + 3]! << 8);
    at += XRLE_TOKEN_SIZE;
    pos += skip;
    if (pos + copy > PAGE_SIZE) return `tokens overrun the page (${pos + copy} bytes)`;
    if (at + copy > enc.length) return `literal of ${copy} bytes cut short at byte ${at}`;
    for (let j = 0; j < copy; j++) out[pos + j] = base[pos + j]! ^ enc[at + j]!;
    at += copy;
    pos += copy;
  }
  return pos === PAGE_SIZE ? null : `tokens cover ${pos} of ${PAGE_SIZE} bytes`;
}
